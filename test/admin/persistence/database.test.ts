import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countJobs,
  dialectOf,
  getJob,
  insertRun,
  listRuns,
  openDatabase,
  type JobwireDatabase,
} from "../../../src/admin/persistence/index.js";
import { describeEachDatabase, isDialectConfigured } from "../../helpers/databases.js";
import { newRun, seedJob } from "./fixtures.js";

describe("openDatabase()", () => {
  describe("on SQLite", () => {
    let dir: string;
    let database: JobwireDatabase | undefined;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "jobwire-open-"));
    });

    afterAll(async () => {
      await database?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("creates the parent directory and turns on WAL, a busy timeout and foreign keys", async () => {
      const file = path.join(dir, "nested", "deeper", "jobwire.db");
      const opened = await openDatabase(`sqlite:${file}`);
      database = opened;
      expect(existsSync(file)).toBe(true);
      expect(opened.dialect).toBe("sqlite");
      const pragma = async (name: string): Promise<unknown> => {
        const { rows } = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(opened.db);
        return Object.values(rows[0] ?? {})[0];
      };
      expect(await pragma("journal_mode")).toBe("wal");
      expect(await pragma("busy_timeout")).toBe(5_000);
      expect(await pragma("foreign_keys")).toBe(1);
    });

    it("wraps a file that cannot be created in an error naming the URL", async () => {
      // The "directory" of the database is a regular file, so neither it nor the database can be created.
      const blocker = path.join(dir, "not-a-directory");
      await writeFile(blocker, "");
      await expect(openDatabase(`sqlite:${blocker}/jobwire.db`)).rejects.toThrow(/cannot open the sqlite database ".*not-a-directory\/jobwire\.db": E[A-Z]+: /);
    });

    it("returns to the event loop between statements, so that a long chain of them does not starve sockets and timers", async () => {
      const memory = await openDatabase("sqlite::memory:");
      try {
        let statementsBeforeImmediate = -1;
        let statements = 0;
        setImmediate(() => {
          statementsBeforeImmediate = statements;
        });
        // better-sqlite3 answers synchronously: run on the admin's thread without yielding, these 50 awaited
        // statements would all run before the immediate callback queued above. On SQLite's own thread they cannot.
        for (let i = 0; i < 50; i++) {
          await sql`select 1`.execute(memory.db);
          statements++;
        }
        expect(statementsBeforeImmediate).toBeGreaterThanOrEqual(0);
        expect(statementsBeforeImmediate).toBeLessThan(50);
      } finally {
        await memory.close();
      }
    });

    it("opens an in-memory database", async () => {
      const memory = await openDatabase("sqlite::memory:");
      try {
        expect(dialectOf(memory.db)).toBe("sqlite");
      } finally {
        await memory.close();
      }
    });
  });


  it("refuses a malformed URL before connecting", async () => {
    await expect(openDatabase("mongodb://localhost/jobwire")).rejects.toThrow(/invalid database URL.*"mongodb:" is not supported/);
  });

  it.each([
    ["mysql", "mysql://root:secret@127.0.0.1:1/jobwire"],
    ["postgres", "postgres://postgres:secret@127.0.0.1:1/postgres"],
  ])("fails at once, naming the %s database without its password, when the server is unreachable", async (dialect, url) => {
    const attempt = openDatabase(url);
    await expect(attempt).rejects.toThrow(new RegExp(`cannot open the ${dialect} database ".*:\\*\\*\\*@127\\.0\\.0\\.1:1/`));
    await expect(attempt).rejects.not.toThrow(/secret/);
  });

  describe.skipIf(!isDialectConfigured("postgres"))("on PostgreSQL with ?schema=", () => {
    const schema = `jw_t_open_${process.pid}`;
    const base = new URL(process.env.JOBWIRE_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");

    afterAll(async () => {
      const client = new pg.Client({ connectionString: base.href });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });

    it("creates the schema when it is missing and puts it first in the search_path", async () => {
      const url = new URL(base.href);
      url.searchParams.set("schema", schema);
      const database = await openDatabase(url.href);
      try {
        const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
        expect(rows[0]?.schema).toBe(schema);
      } finally {
        await database.close();
      }
    });

    it("parses int8 to numbers in its own pool only, leaving pg's global type parsers alone", async () => {
      const database = await openDatabase(base.href);
      try {
        const { rows } = await sql<{ n: unknown }>`select cast(12 as bigint) as n`.execute(database.db);
        expect(rows[0]?.n).toBe(12);
        // A plain pg client in the same process still gets pg's default: int8 as a string.
        const client = new pg.Client({ connectionString: base.href });
        await client.connect();
        try {
          const plain = await client.query<{ n: unknown }>("select cast(12 as bigint) as n");
          expect(plain.rows[0]?.n).toBe("12");
        } finally {
          await client.end();
        }
      } finally {
        await database.close();
      }
    });
  });
});

describeEachDatabase("dialect handling", (getDb, dialect) => {
  // Registered for MySQL only (not skipped elsewhere: CI counts a skipped database test as a failure).
  if (dialect === "mysql") {
    it("runs MySQL sessions at READ COMMITTED so that locking reads take no gap locks", async () => {
      const { rows } = await sql<{ level: string }>`select @@session.tx_isolation as level`.execute(getDb());
      expect(rows[0]?.level).toBe("READ-COMMITTED");
    });
  }

  describe("dialectOf()", () => {
    it("tells the dialect from the Kysely instance and from a transaction", async () => {
      expect(dialectOf(getDb())).toBe(dialect);
      const inside = await getDb()
        .transaction()
        .execute((trx) => Promise.resolve(dialectOf(trx)));
      expect(inside).toBe(dialect);
    });
  });

  describe("numeric columns", () => {
    it("come back from the driver as JS numbers: ids, BIGINT epoch ms, COUNT and SUM", async () => {
      const { job } = await seedJob(getDb());
      const farFuture = 4_102_444_800_123; // 2100-01-01, well past 2^32
      await insertRun(getDb(), newRun(job, { triggerTime: farFuture, scheduledTime: farFuture }));
      const raw = await getDb().selectFrom("jw_run").select(["id", "trigger_time"]).executeTakeFirstOrThrow();
      expect(typeof raw.id).toBe("number");
      expect(raw.trigger_time).toBe(farFuture);
      const aggregates = await getDb()
        .selectFrom("jw_run")
        .select((eb) => [eb.fn.countAll().as("n"), eb.fn.sum("trigger_time").as("total"), eb.fn.max("id").as("top")])
        .executeTakeFirstOrThrow();
      expect(typeof aggregates.n).toBe("number");
      expect(typeof aggregates.top).toBe("number");
      // MySQL returns SUM as DECIMAL text whatever the pool options; repositories normalise it with toNumber().
      expect(Number(aggregates.total)).toBe(farFuture);
      if (dialect !== "mysql") expect(typeof aggregates.total).toBe("number");
    });

    it("reach the domain as numbers through the repositories", async () => {
      const { job } = await seedJob(getDb());
      const stored = await getJob(getDb(), job.id);
      expect(typeof stored?.id).toBe("number");
      expect(typeof stored?.createTime).toBe("number");
      expect(typeof (await countJobs(getDb(), {}))).toBe("number");
      const page = await listRuns(getDb(), {}, { limit: 1 });
      expect(page.items.every((run) => typeof run.triggerTime === "number")).toBe(true);
    });
  });
});
