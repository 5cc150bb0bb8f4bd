import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from "kysely";
import { dialectOf } from "./dialect.js";
import * as initial from "./migrations/0001-initial.js";
import * as followUps from "./migrations/0002-follow-ups.js";
import * as userDisabled from "./migrations/0003-user-disabled.js";
import * as jobUid from "./migrations/0004-job-uid.js";
import * as requestKeys from "./migrations/0005-request-keys.js";
import * as runIndexes from "./migrations/0006-run-indexes.js";
import * as reportSlots from "./migrations/0007-report-slots.js";
import * as fireIndex from "./migrations/0008-fire-index.js";
import type { Database } from "./tables/index.js";

/**
 * Every migration, by name; names sort in the order they apply. The map is in code rather than found by
 * scanning a folder so that it works the same from tsx sources and from the compiled `dist`.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  "0001-initial": initial,
  "0002-follow-ups": followUps,
  "0003-user-disabled": userDisabled,
  "0004-job-uid": jobUid,
  "0005-request-keys": requestKeys,
  "0006-run-indexes": runIndexes,
  "0007-report-slots": reportSlots,
  "0008-fire-index": fireIndex,
};

/**
 * Brings the schema up to date and returns the names of the migrations this call applied (empty when the
 * schema was current).
 *
 * Several admins may start at once against one MySQL or PostgreSQL database: Kysely's migrator serialises them
 * with GET_LOCK on MySQL and an advisory lock on PostgreSQL, and the losers find nothing left to do. The
 * migrator creates its own bookkeeping tables before taking that lock, and two admins creating them at the same
 * moment can collide; such a failure happens before any migration ran, so it is retried once.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    ...(await migrationTableSchema(db)),
  });
  let outcome = await migrator.migrateToLatest();
  if (outcome.error !== undefined && !anyMigrationAttempted(outcome)) outcome = await migrator.migrateToLatest();
  if (outcome.error !== undefined) throw migrationError(outcome);
  return (outcome.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/**
 * On PostgreSQL the migrator's bookkeeping tables are pinned to the current schema. Without that, Kysely looks
 * for them in every schema of the database and, when another schema (another jobwire, or a test) has them,
 * believes they exist here too.
 */
async function migrationTableSchema(db: Kysely<Database>): Promise<{ migrationTableSchema?: string }> {
  if (dialectOf(db) !== "postgres") return {};
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema ?? null;
  if (schema === null) {
    throw new Error("cannot migrate: no schema of the search_path exists in this PostgreSQL database; create it or fix ?schema= in the URL");
  }
  return { migrationTableSchema: schema };
}

function anyMigrationAttempted(outcome: MigrationResultSet): boolean {
  return (outcome.results ?? []).some((r) => r.status !== "NotExecuted");
}

function migrationError(outcome: MigrationResultSet): Error {
  const failed = (outcome.results ?? []).find((r) => r.status === "Error");
  const reason = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  const where = failed === undefined ? "while preparing the migration tables" : `in migration "${failed.migrationName}"`;
  return new Error(`database migration failed ${where}: ${reason}`, { cause: outcome.error });
}
