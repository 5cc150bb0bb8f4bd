/**
 * One index fewer on `jw_planned_fire`, which every fire writes twice (planned, then dispatched): the (state,
 * scheduled_time) index goes. The takeover scan reads PLANNED fires through (state, lease_until) since the lease
 * alone says whether a fire may be taken, and the cleanup of dispatched fires now finds them through the same
 * index by the end of their lease, so nothing reads through (state, scheduled_time) any more, while marking a fire
 * dispatched moved its entry there too.
 */
import type { Kysely } from "kysely";
import { dialectOf } from "../dialect.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  const drop = db.schema.dropIndex("jw_planned_fire_state_scheduled_time_idx");
  // MySQL names indexes per table and wants the table; PostgreSQL and SQLite name them per schema and refuse it.
  await (dialectOf(db) === "mysql" ? drop.on("jw_planned_fire") : drop).execute();
}

/** Migrations are forward-only; restore a backup to go back. */
export function down(): Promise<void> {
  return Promise.reject(new Error("jobwire migrations are forward-only; restore a backup taken before the upgrade instead"));
}
