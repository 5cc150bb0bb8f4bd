/**
 * Follow-up fires and run bookkeeping for the scheduler:
 * - `jw_planned_fire.origin_run_id`: a planned fire may now be a retry of a failed run (RETRY) or a child fire of
 *   a parent run (PARENT); it names that run. The unique key becomes (job, instant, origin run), so a schedule
 *   fire stays unique per (job, instant) — its origin is 0 — and each failed run or parent plans its follow-up
 *   at most once, however many admins try.
 * - `jw_run.batch_id`: the id of the first run of the trigger the run belongs to (itself for a plain run; shard 0
 *   for the shards of a broadcast; inherited by retries), so that "all shards succeeded" is one indexed query.
 * - `jw_run.missed_beats`: consecutive executor beats that did not list this RUNNING run; two mean it is lost.
 */
import type { Kysely } from "kysely";
import { dialectOf } from "../dialect.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = dialectOf(db);
  await db.schema
    .alterTable("jw_planned_fire")
    .addColumn("origin_run_id", "bigint", (c) => c.notNull().defaultTo(0))
    .execute();
  const oldKey = db.schema.dropIndex("jw_planned_fire_job_id_scheduled_time_uq");
  // MySQL names indexes per table and wants the table; PostgreSQL and SQLite name them per schema and refuse it.
  await (dialect === "mysql" ? oldKey.on("jw_planned_fire") : oldKey).execute();
  await db.schema
    .createIndex("jw_planned_fire_job_id_scheduled_time_origin_run_id_uq")
    .on("jw_planned_fire")
    .columns(["job_id", "scheduled_time", "origin_run_id"])
    .unique()
    .execute();
  await db.schema.createIndex("jw_planned_fire_state_lease_until_idx").on("jw_planned_fire").columns(["state", "lease_until"]).execute();

  await db.schema.alterTable("jw_run").addColumn("batch_id", "bigint", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("jw_run").addColumn("missed_beats", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex("jw_run_batch_id_idx").on("jw_run").columns(["batch_id"]).execute();
  await db.schema.createIndex("jw_run_executor_address_state_idx").on("jw_run").columns(["executor_address", "state"]).execute();
}

/** Migrations are forward-only; restore a backup to go back. */
export function down(): Promise<void> {
  return Promise.reject(new Error("jobwire migrations are forward-only; restore a backup taken before the upgrade instead"));
}
