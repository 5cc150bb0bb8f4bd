/**
 * `jw_job.uid`: a random, never-reused identity of each job (a UUID) that survives export and import. Ids are
 * local to one database, and names and display names are not unique, so an import could not otherwise tell "this
 * job again" from "a new job": the export carries the uid as the job's key, and an import that finds a job with
 * that uid updates it instead of creating a second one. The column is filled for existing jobs here and set by
 * the repository for every new job; it is unique.
 */
import { sql, type Kysely } from "kysely";
import { dialectOf } from "../dialect.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = dialectOf(db);
  await db.schema.alterTable("jw_job").addColumn("uid", "varchar(64)").execute();
  // Each dialect has its own source of randomness in SQL; one UPDATE fills every existing row.
  const random =
    dialect === "mysql"
      ? sql`uuid()`
      : dialect === "postgres"
        ? sql`md5(random()::text || clock_timestamp()::text || id::text)`
        : sql`lower(hex(randomblob(16)))`;
  await sql`update jw_job set uid = ${random} where uid is null`.execute(db);
  await db.schema.createIndex("jw_job_uid_uq").on("jw_job").column("uid").unique().execute();
}

/** Migrations are forward-only; restore a backup to go back. */
export function down(): Promise<void> {
  return Promise.reject(new Error("jobwire migrations are forward-only; restore a backup taken before the upgrade instead"));
}
