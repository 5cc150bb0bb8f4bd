/**
 * Daily report counters spread over slots: `jw_daily_report_slot` keeps several rows per day, keyed by (day,
 * slot), and a day's report is their sum. With one row per day, every transaction that finished runs took that
 * row's lock until its commit, so the result batches of a burst, applied concurrently, queued behind each other's
 * commits there. Each transaction now adds to one slot chosen at random. The existing counts move to slot 0 and
 * `jw_daily_report` goes.
 */
import { sql, type Kysely } from "kysely";
import { dialectOf, withTableOptions } from "../dialect.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = dialectOf(db);
  await withTableOptions(db.schema.createTable("jw_daily_report_slot"), dialect)
    .addColumn("day", "varchar(10)", (c) => c.notNull())
    .addColumn("slot", "integer", (c) => c.notNull())
    .addColumn("running_count", "bigint", (c) => c.notNull())
    .addColumn("succeeded_count", "bigint", (c) => c.notNull())
    .addColumn("failed_count", "bigint", (c) => c.notNull())
    .addColumn("update_time", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("jw_daily_report_slot_pkey", ["day", "slot"])
    .execute();
  await sql`insert into jw_daily_report_slot (day, slot, running_count, succeeded_count, failed_count, update_time)
    select day, 0, running_count, succeeded_count, failed_count, update_time from jw_daily_report`.execute(db);
  await db.schema.dropTable("jw_daily_report").execute();
}

/** Migrations are forward-only; restore a backup to go back. */
export function down(): Promise<void> {
  return Promise.reject(new Error("jobwire migrations are forward-only; restore a backup taken before the upgrade instead"));
}
