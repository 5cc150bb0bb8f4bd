/**
 * The initial schema. Migrations are forward-only: once released, this file never changes, and later changes
 * come as new files. Enum columns are plain varchar without CHECK constraints so that adding an enum value needs
 * no migration; repositories validate every enum value they read (see `row-values.ts`).
 */
import type { Kysely } from "kysely";
import { addIdColumn, dialectOf, longTextType, withTableOptions } from "../dialect.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = dialectOf(db);
  const long = longTextType(dialect);
  const table = (name: string) => withTableOptions(addIdColumn(db.schema.createTable(name), dialect), dialect);

  await table("jw_executor_group")
    .addColumn("app_name", "varchar(128)", (c) => c.notNull())
    .addColumn("title", "varchar(255)", (c) => c.notNull())
    .addColumn("address_type", "varchar(16)", (c) => c.notNull())
    .addColumn("manual_addresses", long, (c) => c.notNull())
    .addColumn("access_token", "varchar(255)", (c) => c.notNull())
    .addColumn("create_time", "bigint", (c) => c.notNull())
    .addColumn("update_time", "bigint", (c) => c.notNull())
    .execute();
  await index(db, "jw_executor_group", ["app_name"], true);

  await table("jw_registry")
    .addColumn("app_name", "varchar(128)", (c) => c.notNull())
    .addColumn("address", "varchar(191)", (c) => c.notNull())
    .addColumn("handler_names", long, (c) => c.notNull())
    .addColumn("sdk_version", "varchar(64)", (c) => c.notNull())
    .addColumn("running_run_ids", long, (c) => c.notNull())
    .addColumn("queue_depths", long, (c) => c.notNull())
    .addColumn("first_beat_time", "bigint", (c) => c.notNull())
    .addColumn("last_beat_time", "bigint", (c) => c.notNull())
    .execute();
  await index(db, "jw_registry", ["app_name", "address"], true);
  await index(db, "jw_registry", ["last_beat_time"]);

  await table("jw_job")
    .addColumn("group_id", "bigint", (c) => c.notNull())
    .addColumn("name", "varchar(255)", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("author", "varchar(255)", (c) => c.notNull())
    .addColumn("alarm_emails", "text", (c) => c.notNull())
    .addColumn("alarm_webhook_urls", "text", (c) => c.notNull())
    .addColumn("schedule_type", "varchar(16)", (c) => c.notNull())
    .addColumn("schedule_conf", "varchar(255)", (c) => c.notNull())
    .addColumn("time_zone", "varchar(64)", (c) => c.notNull())
    .addColumn("misfire_strategy", "varchar(32)", (c) => c.notNull())
    .addColumn("route_strategy", "varchar(32)", (c) => c.notNull())
    .addColumn("handler", "varchar(255)", (c) => c.notNull())
    .addColumn("param", "text", (c) => c.notNull())
    .addColumn("block_strategy", "varchar(32)", (c) => c.notNull())
    .addColumn("concurrency", "integer", (c) => c.notNull())
    .addColumn("timeout_seconds", "integer", (c) => c.notNull())
    .addColumn("retry_count", "integer", (c) => c.notNull())
    .addColumn("retry_backoff", "varchar(16)", (c) => c.notNull())
    .addColumn("retry_interval_ms", "bigint", (c) => c.notNull())
    .addColumn("retry_max_interval_ms", "bigint", (c) => c.notNull())
    .addColumn("glue_type", "varchar(16)", (c) => c.notNull())
    .addColumn("glue_source", long, (c) => c.notNull())
    .addColumn("glue_remark", "text", (c) => c.notNull())
    .addColumn("glue_update_time", "bigint", (c) => c.notNull())
    .addColumn("child_job_ids", "text", (c) => c.notNull())
    .addColumn("state", "varchar(16)", (c) => c.notNull())
    .addColumn("last_fire_time", "bigint", (c) => c.notNull())
    .addColumn("next_fire_time", "bigint", (c) => c.notNull())
    .addColumn("version", "bigint", (c) => c.notNull())
    .addColumn("create_time", "bigint", (c) => c.notNull())
    .addColumn("update_time", "bigint", (c) => c.notNull())
    .execute();
  // The scheduler's hot query: running jobs due before an instant, in fire-time order.
  await index(db, "jw_job", ["state", "next_fire_time"]);
  await index(db, "jw_job", ["group_id"]);

  await table("jw_glue_version")
    .addColumn("job_id", "bigint", (c) => c.notNull())
    .addColumn("glue_type", "varchar(16)", (c) => c.notNull())
    .addColumn("source", long, (c) => c.notNull())
    .addColumn("remark", "text", (c) => c.notNull())
    .addColumn("create_time", "bigint", (c) => c.notNull())
    .execute();
  await index(db, "jw_glue_version", ["job_id", "id"]);

  await table("jw_run")
    .addColumn("job_id", "bigint", (c) => c.notNull())
    .addColumn("group_id", "bigint", (c) => c.notNull())
    .addColumn("fire_id", "bigint", (c) => c.notNull())
    .addColumn("trigger_type", "varchar(16)", (c) => c.notNull())
    .addColumn("scheduled_time", "bigint", (c) => c.notNull())
    .addColumn("trigger_time", "bigint", (c) => c.notNull())
    .addColumn("executor_address", "varchar(255)", (c) => c.notNull())
    .addColumn("handler", "varchar(255)", (c) => c.notNull())
    .addColumn("param", "text", (c) => c.notNull())
    .addColumn("shard_index", "integer", (c) => c.notNull())
    .addColumn("shard_total", "integer", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("retries_left", "integer", (c) => c.notNull())
    .addColumn("origin_run_id", "bigint", (c) => c.notNull())
    .addColumn("trigger_state", "varchar(16)", (c) => c.notNull())
    .addColumn("trigger_report", long)
    .addColumn("state", "varchar(16)", (c) => c.notNull())
    .addColumn("deadline_time", "bigint", (c) => c.notNull())
    .addColumn("handle_time", "bigint", (c) => c.notNull())
    .addColumn("handle_message", long, (c) => c.notNull())
    .addColumn("retryable", "smallint", (c) => c.notNull())
    .addColumn("alarm_state", "varchar(16)", (c) => c.notNull())
    .addColumn("update_time", "bigint", (c) => c.notNull())
    .execute();
  await index(db, "jw_run", ["job_id", "id"]);
  await index(db, "jw_run", ["group_id", "trigger_time"]);
  await index(db, "jw_run", ["state"]);
  await index(db, "jw_run", ["trigger_time"]);
  await index(db, "jw_run", ["fire_id"]);
  await index(db, "jw_run", ["alarm_state"]);

  await table("jw_planned_fire")
    .addColumn("job_id", "bigint", (c) => c.notNull())
    .addColumn("scheduled_time", "bigint", (c) => c.notNull())
    .addColumn("trigger_type", "varchar(16)", (c) => c.notNull())
    .addColumn("state", "varchar(16)", (c) => c.notNull())
    .addColumn("owner", "varchar(191)", (c) => c.notNull())
    .addColumn("lease_until", "bigint", (c) => c.notNull())
    .addColumn("create_time", "bigint", (c) => c.notNull())
    .addColumn("dispatch_time", "bigint", (c) => c.notNull())
    .execute();
  // One fire per (job, instant): this key is what makes a fire planned twice by two admins harmless.
  await index(db, "jw_planned_fire", ["job_id", "scheduled_time"], true);
  await index(db, "jw_planned_fire", ["state", "scheduled_time"]);

  await withTableOptions(db.schema.createTable("jw_daily_report"), dialect)
    .addColumn("day", "varchar(10)", (c) => c.notNull().primaryKey())
    .addColumn("running_count", "bigint", (c) => c.notNull())
    .addColumn("succeeded_count", "bigint", (c) => c.notNull())
    .addColumn("failed_count", "bigint", (c) => c.notNull())
    .addColumn("update_time", "bigint", (c) => c.notNull())
    .execute();

  await table("jw_user")
    .addColumn("username", "varchar(191)", (c) => c.notNull())
    .addColumn("role", "varchar(16)", (c) => c.notNull())
    .addColumn("permitted_group_ids", long, (c) => c.notNull())
    .addColumn("password_hash", "varchar(255)", (c) => c.notNull())
    .addColumn("create_time", "bigint", (c) => c.notNull())
    .addColumn("update_time", "bigint", (c) => c.notNull())
    .execute();
  await index(db, "jw_user", ["username"], true);

  await table("jw_credential")
    .addColumn("user_id", "bigint", (c) => c.notNull())
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("name", "varchar(255)", (c) => c.notNull())
    .addColumn("token_hash", "varchar(128)", (c) => c.notNull())
    .addColumn("token_prefix", "varchar(32)", (c) => c.notNull())
    .addColumn("create_time", "bigint", (c) => c.notNull())
    .addColumn("expire_time", "bigint", (c) => c.notNull())
    .addColumn("last_used_time", "bigint", (c) => c.notNull())
    .addColumn("revoke_time", "bigint", (c) => c.notNull())
    .execute();
  await index(db, "jw_credential", ["token_hash"], true);
  await index(db, "jw_credential", ["user_id"]);

  await table("jw_audit_log")
    .addColumn("time", "bigint", (c) => c.notNull())
    .addColumn("actor_user_id", "bigint", (c) => c.notNull())
    .addColumn("actor_name", "varchar(255)", (c) => c.notNull())
    .addColumn("action", "varchar(255)", (c) => c.notNull())
    .addColumn("resource", "varchar(255)", (c) => c.notNull())
    .addColumn("before_json", long, (c) => c.notNull())
    .addColumn("after_json", long, (c) => c.notNull())
    .execute();
  await index(db, "jw_audit_log", ["time"]);

  await withTableOptions(db.schema.createTable("jw_lease"), dialect)
    .addColumn("name", "varchar(191)", (c) => c.notNull().primaryKey())
    .addColumn("owner", "varchar(191)", (c) => c.notNull())
    .addColumn("expire_time", "bigint", (c) => c.notNull())
    .execute();
}

/** Migrations are forward-only; restore a backup to go back. */
export function down(): Promise<void> {
  return Promise.reject(new Error("jobwire migrations are forward-only; restore a backup taken before the upgrade instead"));
}

/**
 * Creates an index named `<table>_<columns>_idx` (or `_uq`). Index names are per schema on PostgreSQL and
 * SQLite, so they carry the table name to stay unique.
 */
async function index(db: Kysely<unknown>, table: string, columns: string[], unique = false): Promise<void> {
  const name = `${table}_${columns.join("_")}_${unique ? "uq" : "idx"}`;
  const builder = db.schema.createIndex(name).on(table).columns(columns);
  await (unique ? builder.unique() : builder).execute();
}
