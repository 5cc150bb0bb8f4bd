import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { DIALECT_NAMES, migrateToLatest, openDatabase, type DialectName, type JobwireDatabase } from "../../../src/admin/persistence/index.js";
import { createTestDatabase, isDialectConfigured, type TestDatabase } from "../../helpers/databases.js";
import * as m0001 from "../../../src/admin/persistence/migrations/0001-initial.js";
import * as m0002 from "../../../src/admin/persistence/migrations/0002-follow-ups.js";
import * as m0003 from "../../../src/admin/persistence/migrations/0003-user-disabled.js";
import * as m0004 from "../../../src/admin/persistence/migrations/0004-job-uid.js";
import * as m0005 from "../../../src/admin/persistence/migrations/0005-request-keys.js";
import * as m0006 from "../../../src/admin/persistence/migrations/0006-run-indexes.js";
import * as m0007 from "../../../src/admin/persistence/migrations/0007-report-slots.js";

/** Every migration of this version, in the order they apply. */
const ALL_MIGRATIONS = ["0001-initial", "0002-follow-ups", "0003-user-disabled", "0004-job-uid", "0005-request-keys", "0006-run-indexes", "0007-report-slots", "0008-fire-index"];

const TABLES = [
  "jw_executor_group",
  "jw_registry",
  "jw_job",
  "jw_glue_version",
  "jw_run",
  "jw_planned_fire",
  "jw_daily_report_slot",
  "jw_user",
  "jw_credential",
  "jw_audit_log",
  "jw_lease",
  "jw_request",
];

/** Names of the indexes of `table` (primary keys left out). */
async function indexNames(database: JobwireDatabase, dialect: DialectName, table: string): Promise<string[]> {
  let names: string[];
  if (dialect === "sqlite") {
    names = (await sql<{ name: string }>`select name from pragma_index_list(${table})`.execute(database.db)).rows.map((r) => r.name);
  } else if (dialect === "mysql") {
    names = (await sql<{ name: string }>`select distinct index_name as name from information_schema.statistics where table_schema = database() and table_name = ${table}`.execute(database.db)).rows.map((r) => r.name);
  } else {
    names = (await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = ${table}`.execute(database.db)).rows.map((r) => r.name);
  }
  return names.filter((name) => name.startsWith(`${table}_`) && !name.endsWith("_pkey")).sort();
}

async function migrationNames(database: JobwireDatabase): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
  return rows.map((row) => row.name);
}

describe("migrateToLatest()", () => {
  const opened: TestDatabase[] = [];
  const extraPools: JobwireDatabase[] = [];

  afterEach(async () => {
    await Promise.all(extraPools.splice(0).map((pool) => pool.close()));
    await Promise.all(opened.splice(0).map((database) => database.drop()));
  });

  const fresh = async (dialect: DialectName): Promise<TestDatabase> => {
    const database = await createTestDatabase(dialect, { migrate: false });
    opened.push(database);
    return database;
  };

  for (const dialect of DIALECT_NAMES) {
    describe.skipIf(!isDialectConfigured(dialect))(`on ${dialect}`, () => {
      it("creates every table on a fresh database and reports the migrations it applied", async () => {
        const { database } = await fresh(dialect);
        expect(await migrateToLatest(database.db)).toEqual(ALL_MIGRATIONS);
        for (const table of TABLES) {
          const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(database.db);
          expect(Number(rows[0]?.n)).toBe(0);
        }
        expect(await migrationNames(database)).toEqual(ALL_MIGRATIONS);
      });

      it("leaves jw_run with only the indexes its queries use (0006: one state+address index, none by fire)", async () => {
        const { database } = await fresh(dialect);
        await migrateToLatest(database.db);
        expect(await indexNames(database, dialect, "jw_run")).toEqual(
          [
            "jw_run_alarm_state_idx",
            "jw_run_batch_id_idx",
            "jw_run_group_id_trigger_time_idx",
            "jw_run_job_id_id_idx",
            "jw_run_state_executor_address_idx",
            "jw_run_trigger_time_idx",
          ].sort(),
        );
      });

      it("leaves jw_planned_fire with its unique key and the lease index only (0008: none by state and instant)", async () => {
        const { database } = await fresh(dialect);
        await migrateToLatest(database.db);
        expect(await indexNames(database, dialect, "jw_planned_fire")).toEqual(["jw_planned_fire_job_id_scheduled_time_origin_run_id_uq", "jw_planned_fire_state_lease_until_idx"]);
      });

      it("0007 moves each day's report counts into slot 0 of the slotted table and drops the old table", async () => {
        const { database } = await fresh(dialect);
        const db = database.db as never;
        for (const migration of [m0001, m0002, m0003, m0004, m0005, m0006]) await migration.up(db);
        await sql`insert into jw_daily_report (day, running_count, succeeded_count, failed_count, update_time) values ('2026-03-01', 1, 20, 3, 500), ('2026-03-02', 0, 7, 0, 600)`.execute(database.db);
        await m0007.up(db);
        const { rows } = await sql<Record<string, unknown>>`select day, slot, running_count, succeeded_count, failed_count, update_time from jw_daily_report_slot order by day`.execute(database.db);
        expect(rows.map((r) => [r["day"], Number(r["slot"]), Number(r["running_count"]), Number(r["succeeded_count"]), Number(r["failed_count"]), Number(r["update_time"])])).toEqual([
          ["2026-03-01", 0, 1, 20, 3, 500],
          ["2026-03-02", 0, 0, 7, 0, 600],
        ]);
        await expect(sql`select count(*) from jw_daily_report`.execute(database.db)).rejects.toThrow();
      });

      it("does nothing on an up-to-date database", async () => {
        const { database } = await fresh(dialect);
        await migrateToLatest(database.db);
        expect(await migrateToLatest(database.db)).toEqual([]);
        expect(await migrationNames(database)).toEqual(ALL_MIGRATIONS);
      });

      it("throws an error naming the failed migration and the database's reason", async () => {
        const { database } = await fresh(dialect);
        // A table left over from something else collides with the first CREATE TABLE of the migration.
        await sql`create table jw_executor_group (x integer)`.execute(database.db);
        await expect(migrateToLatest(database.db)).rejects.toThrow(/database migration failed in migration "0001-initial": .*jw_executor_group/);
      });
    });
  }

  for (const dialect of ["mysql", "postgres"] as const) {
    describe.skipIf(!isDialectConfigured(dialect))(`on ${dialect} with several admins starting at once`, () => {
      it("applies each migration exactly once when three pools migrate one fresh database concurrently", async () => {
        const { url } = await fresh(dialect);
        const pools = await Promise.all([1, 2, 3].map(() => openDatabase(url)));
        extraPools.push(...pools);
        const applied = await Promise.all(pools.map((pool) => migrateToLatest(pool.db)));
        expect(applied.flat()).toEqual(ALL_MIGRATIONS);
        expect(applied.filter((names) => names.length === 0)).toHaveLength(2);
        const [first] = pools;
        if (first === undefined) throw new Error("no pool opened");
        expect(await migrationNames(first)).toEqual(ALL_MIGRATIONS);
        const { rows } = await sql<{ n: number }>`select count(*) as n from jw_job`.execute(first.db);
        expect(Number(rows[0]?.n)).toBe(0);
      });
    });
  }
});
