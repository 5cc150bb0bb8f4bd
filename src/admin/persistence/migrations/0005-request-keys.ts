/**
 * `jw_request`: idempotency keys of console calls (`request_id` of CreateJob and TriggerJob). A row remembers
 * that a caller already made a call with a key, and the names the call answered with, so that a repeat (a client
 * retrying after a lost reply) returns the first result instead of creating a second job or run. Keys are per
 * caller and per RPC, hence the unique key over all three; the stored time lets the daily cleanup drop old keys.
 */
import type { Kysely } from "kysely";
import { addIdColumn, dialectOf, longTextType, withTableOptions } from "../dialect.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = dialectOf(db);
  await withTableOptions(addIdColumn(db.schema.createTable("jw_request"), dialect), dialect)
    .addColumn("user_id", "bigint", (c) => c.notNull())
    .addColumn("method", "varchar(64)", (c) => c.notNull())
    .addColumn("request_id", "varchar(64)", (c) => c.notNull())
    // A broadcast trigger answers with one run per executor, so the list can outgrow MySQL's 64 KiB TEXT.
    .addColumn("response_json", longTextType(dialect), (c) => c.notNull())
    .addColumn("create_time", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("jw_request_user_id_method_request_id_uq").on("jw_request").columns(["user_id", "method", "request_id"]).unique().execute();
  await db.schema.createIndex("jw_request_create_time_idx").on("jw_request").columns(["create_time"]).execute();
}

/** Migrations are forward-only; restore a backup to go back. */
export function down(): Promise<void> {
  return Promise.reject(new Error("jobwire migrations are forward-only; restore a backup taken before the upgrade instead"));
}
