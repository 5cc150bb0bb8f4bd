/**
 * Fewer indexes on `jw_run`, the table every run writes several times: a run's updates change its state (and
 * address), so each one adds an entry to every index of the table, and the index work was most of the
 * database's cost per run under a burst.
 * - `jw_run_fire_id_idx` goes: no query looks runs up by planned fire.
 * - `jw_run_state_idx` and `jw_run_executor_address_state_idx` become one `jw_run_state_executor_address_idx`,
 *   which serves both the sweeps by state (its prefix) and the beat check of one executor's RUNNING runs.
 */
import type { Kysely } from "kysely";
import { dialectOf } from "../dialect.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = dialectOf(db);
  await db.schema.createIndex("jw_run_state_executor_address_idx").on("jw_run").columns(["state", "executor_address"]).execute();
  for (const name of ["jw_run_fire_id_idx", "jw_run_state_idx", "jw_run_executor_address_state_idx"]) {
    const drop = db.schema.dropIndex(name);
    // MySQL names indexes per table and wants the table; PostgreSQL and SQLite name them per schema and refuse it.
    await (dialect === "mysql" ? drop.on("jw_run") : drop).execute();
  }
}

/** Migrations are forward-only; restore a backup to go back. */
export function down(): Promise<void> {
  return Promise.reject(new Error("jobwire migrations are forward-only; restore a backup taken before the upgrade instead"));
}
