import type { Kysely } from "kysely";
import { countUsers, insertUser, UniqueViolationError, type Database } from "../persistence/index.js";
import { generatePassword, hashPassword } from "./password.js";

/**
 * Creates the `admin` user when the database has no user at all. The password is the configured one or a random
 * one reported once through `onPassword`: there is never a fixed default password. When several admins start
 * at once on one database, only one insert wins the unique username; the others see the violation and go on.
 */
export async function ensureInitialAdmin(
  db: Kysely<Database>,
  configuredPassword: string | undefined,
  onPassword: (username: string, password: string) => void,
  now: number,
): Promise<boolean> {
  if ((await countUsers(db)) > 0) return false;
  const password = configuredPassword ?? generatePassword();
  try {
    await insertUser(db, { username: "admin", role: "ADMIN", permittedGroupIds: [], passwordHash: await hashPassword(password) }, now);
  } catch (error) {
    if (error instanceof UniqueViolationError) return false;
    throw error;
  }
  if (configuredPassword === undefined) onPassword("admin", password);
  return true;
}
