import type { Kysely, Selectable, Updateable } from "kysely";
import { USER_ROLES, type User, type UserRole, type UserWithPassword } from "../../domain/index.js";
import { containsText, dialectOf, insertAndGetId, rethrowUniqueViolation, toNumber } from "../dialect.js";
import { checkPageRequest, toPage, type Page, type PageRequest } from "../paging.js";
import { enumValue, int, numberList, toJson } from "../row-values.js";
import type { Database, UserTable } from "../tables/index.js";
import { inTransaction } from "../transaction.js";

export type NewUser = Pick<UserWithPassword, "username" | "role" | "permittedGroupIds" | "passwordHash"> & { readonly disabled?: boolean };

/** Changeable fields of a user; the username is immutable. */
export type UserPatch = Partial<Pick<UserWithPassword, "role" | "permittedGroupIds" | "passwordHash" | "disabled">>;

export interface UserFilter {
  /** Case-insensitive substring of the username. */
  readonly usernameContains?: string;
  readonly role?: UserRole;
}

/** Inserts a user; throws `UniqueViolationError` when the username is taken. */
export async function insertUser(db: Kysely<Database>, user: NewUser, now: number): Promise<User> {
  const id = await insertAndGetId(
    db,
    db.insertInto("jw_user").values({
      username: user.username,
      role: user.role,
      permitted_group_ids: toJson(user.permittedGroupIds),
      password_hash: user.passwordHash,
      disabled: user.disabled === true ? 1 : 0,
      create_time: now,
      update_time: now,
    }),
  );
  return {
    id,
    username: user.username,
    role: user.role,
    permittedGroupIds: [...user.permittedGroupIds],
    disabled: user.disabled === true,
    createTime: now,
    updateTime: now,
  };
}

export async function getUser(db: Kysely<Database>, id: number): Promise<User | undefined> {
  const row = await db.selectFrom("jw_user").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : rowToUser(row);
}

/** The user with the stored password hash, for the auth layer only. */
export async function getUserByUsername(db: Kysely<Database>, username: string): Promise<UserWithPassword | undefined> {
  const row = await db.selectFrom("jw_user").selectAll().where("username", "=", username).executeTakeFirst();
  return row === undefined ? undefined : { ...rowToUser(row), passwordHash: row.password_hash };
}

/** Lists users in ascending id order (keyset paging on id). */
export async function listUsers(db: Kysely<Database>, filter: UserFilter, page: PageRequest): Promise<Page<User>> {
  checkPageRequest(page);
  let query = db.selectFrom("jw_user").selectAll();
  if (filter.usernameContains !== undefined) query = query.where(containsText("username", filter.usernameContains));
  if (filter.role !== undefined) query = query.where("role", "=", filter.role);
  if (page.cursor !== undefined) query = query.where("id", ">", page.cursor);
  const rows = await query.orderBy("id", "asc").limit(page.limit + 1).execute();
  return toPage(rows.map(rowToUser), page.limit);
}

/** Applies a patch; returns the updated user, or undefined when it does not exist. */
export async function updateUser(db: Kysely<Database>, id: number, patch: UserPatch, now: number): Promise<User | undefined> {
  const set: Updateable<UserTable> = { update_time: now };
  if (patch.role !== undefined) set.role = patch.role;
  if (patch.permittedGroupIds !== undefined) set.permitted_group_ids = toJson(patch.permittedGroupIds);
  if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
  if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
  const result = await rethrowUniqueViolation(db.updateTable("jw_user").set(set).where("id", "=", id).executeTakeFirst());
  if (toNumber(result.numUpdatedRows) === 0) return undefined;
  return getUser(db, id);
}

/** Deletes a user and all their sessions and API keys, atomically; returns whether the user existed. */
export function deleteUser(db: Kysely<Database>, id: number): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    await trx.deleteFrom("jw_credential").where("user_id", "=", id).execute();
    const result = await trx.deleteFrom("jw_user").where("id", "=", id).executeTakeFirst();
    return toNumber(result.numDeletedRows) > 0;
  });
}

/**
 * Counts the enabled administrators. Inside a transaction on MySQL and PostgreSQL the admin rows are locked, so
 * two concurrent demotions cannot each see the other admin and leave none.
 */
export async function countEnabledAdmins(db: Kysely<Database>): Promise<number> {
  let query = db.selectFrom("jw_user").select("id").where("role", "=", "ADMIN").where("disabled", "=", 0);
  if (db.isTransaction && dialectOf(db) !== "sqlite") query = query.forUpdate();
  return (await query.execute()).length;
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom("jw_user").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
  return toNumber(row.n);
}

/** The public fields of a user row; the password hash is left out on purpose. */
export function rowToUser(row: Selectable<UserTable>): User {
  return {
    id: int(row.id),
    username: row.username,
    role: enumValue(USER_ROLES, row.role, "jw_user.role"),
    permittedGroupIds: numberList(row.permitted_group_ids, "jw_user.permitted_group_ids"),
    disabled: int(row.disabled) !== 0,
    createTime: int(row.create_time),
    updateTime: int(row.update_time),
  };
}
