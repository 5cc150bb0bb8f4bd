/**
 * `jw_user.disabled`: an administrator can disable a user instead of deleting them (keeping the audit trail
 * readable). A disabled user cannot log in, and their sessions and API keys are refused at once: the credential
 * lookup joins the user and checks this column on every call.
 */
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("jw_user").addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0)).execute();
}

/** Migrations are forward-only; restore a backup to go back. */
export function down(): Promise<void> {
  return Promise.reject(new Error("jobwire migrations are forward-only; restore a backup taken before the upgrade instead"));
}
