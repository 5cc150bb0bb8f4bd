import { Migrator, sql, type Kysely, type Migration } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as initial from "../../../src/admin/persistence/migrations/0001-initial.js";
import * as followUps from "../../../src/admin/persistence/migrations/0002-follow-ups.js";
import * as userDisabled from "../../../src/admin/persistence/migrations/0003-user-disabled.js";
import { dialectOf, migrateToLatest, type Database } from "../../../src/admin/persistence/index.js";
import { createTestDatabase, testDialects, type TestDatabase } from "../../helpers/databases.js";

const BEFORE_UID: Record<string, Migration> = { "0001-initial": initial, "0002-follow-ups": followUps, "0003-user-disabled": userDisabled };

/** The schema (PostgreSQL) the migrator's tables live in, as migrateToLatest() pins it. */
async function migrationSchema(db: Kysely<Database>): Promise<{ migrationTableSchema?: string }> {
  if (dialectOf(db) !== "postgres") return {};
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return { migrationTableSchema: rows[0]?.schema ?? "public" };
}

for (const dialect of testDialects()) {
  describe(`migration 0004-job-uid on ${dialect}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(dialect, { migrate: false });
    });
    afterAll(async () => {
      await database?.drop();
    });

    it("gives every existing job its own uid, and the uid is unique", async () => {
      const db = database.database.db;
      const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(BEFORE_UID) }, ...(await migrationSchema(db)) });
      const outcome = await migrator.migrateToLatest();
      expect(outcome.error).toBeUndefined();
      for (let i = 0; i < 3; i++) {
        await sql`insert into jw_job (group_id, name, description, author, alarm_emails, alarm_webhook_urls, schedule_type, schedule_conf, time_zone,
          misfire_strategy, route_strategy, handler, param, block_strategy, concurrency, timeout_seconds, retry_count, retry_backoff, retry_interval_ms,
          retry_max_interval_ms, glue_type, glue_source, glue_remark, glue_update_time, child_job_ids, state, last_fire_time, next_fire_time, version,
          create_time, update_time)
          values (1, ${`old ${i}`}, '', 'a', '[]', '[]', 'NONE', '', '', 'DO_NOTHING', 'FIRST', 'h', '', 'SERIAL', 1, 0, 0, 'FIXED', 0, 600000, 'BEAN', '', '', 0, '[]', 'STOPPED', 0, 0, 1, 0, 0)`.execute(db);
      }
      // 0004 is the first migration applied now (later ones follow it).
      expect((await migrateToLatest(db))[0]).toBe("0004-job-uid");
      const uids = (await db.selectFrom("jw_job").select("uid").execute()).map((r) => r.uid);
      expect(uids).toHaveLength(3);
      expect(uids.every((u) => typeof u === "string" && u.length >= 32)).toBe(true);
      expect(new Set(uids).size).toBe(3);
      // Another job's uid (read by name: an unordered read may come back in uid order, through the unique index).
      const { uid: first } = await db.selectFrom("jw_job").select("uid").where("name", "=", "old 0").executeTakeFirstOrThrow();
      await expect(db.updateTable("jw_job").set({ uid: first }).where("name", "=", "old 1").execute()).rejects.toThrow();
    });
  });
}
