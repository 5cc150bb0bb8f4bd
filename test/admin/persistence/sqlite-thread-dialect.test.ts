import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { isUniqueViolation, openDatabase, type JobwireDatabase } from "../../../src/admin/persistence/index.js";
import { SQLITE_STATEMENT_CACHE_SIZE } from "../../../src/admin/persistence/sqlite-thread-client.js";

describe("SQLite on its own thread", () => {
  const opened: JobwireDatabase[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const database of opened.splice(0)) await database.close();
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const memory = async (): Promise<JobwireDatabase> => {
    const database = await openDatabase("sqlite::memory:");
    opened.push(database);
    await sql`create table t (id integer primary key, name text unique, data blob, n integer)`.execute(database.db);
    return database;
  };

  it("keeps SQLite's error code across the thread, so a duplicate key is recognised", async () => {
    const { db } = await memory();
    await sql`insert into t (name) values (${"a"})`.execute(db);
    const duplicate = await sql`insert into t (name) values (${"a"})`.execute(db).catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(Error);
    expect((duplicate as Error).message).toMatch(/UNIQUE constraint failed: t\.name/);
    expect(isUniqueViolation(duplicate)).toBe(true);
  });

  it("fails a statement that does not compile every time it is sent, and runs the next one", async () => {
    const { db } = await memory();
    for (let attempt = 0; attempt < 2; attempt++) await expect(sql`select nope from t`.execute(db)).rejects.toThrow(/no such column: nope/);
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it("runs a statement again after it compiled but failed on its first use", async () => {
    const { db } = await memory();
    await sql`insert into t (name) values (${"taken"})`.execute(db);
    const insert = (name: string) => sql`insert or abort into t (name) values (${name})`.execute(db);
    await expect(insert("taken")).rejects.toThrow(/UNIQUE/);
    await insert("free");
    await insert("free too");
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
    expect(rows).toEqual([{ n: 3 }]);
  });

  it("runs more distinct statements than it keeps prepared, and the forgotten ones again", async () => {
    const { db } = await memory();
    const texts = Array.from({ length: SQLITE_STATEMENT_CACHE_SIZE + 20 }, (_, i) => `select ${i} as v`);
    for (let round = 0; round < 2; round++) {
      for (const [i, text] of texts.entries()) {
        const { rows } = await sql<{ v: number }>`${sql.raw(text)}`.execute(db);
        expect(rows).toEqual([{ v: i }]);
      }
    }
  });

  it("binds and reads bigints, blobs and nulls, and reports changes and the last row id", async () => {
    const { db } = await memory();
    const blob = Buffer.from([0, 1, 254, 255]);
    const insert = await sql`insert into t (name, data, n) values (${"x"}, ${blob}, ${2n ** 40n})`.execute(db);
    expect(insert.numAffectedRows).toBe(1n);
    expect(insert.insertId).toBe(1n);
    await sql`insert into t (name, data, n) values (${null}, ${null}, ${null})`.execute(db);
    const { rows } = await sql<{ name: string | null; data: Uint8Array | null; n: number | null }>`select name, data, n from t order by id`.execute(db);
    expect(rows[0]?.name).toBe("x");
    expect(Buffer.from(rows[0]?.data ?? new Uint8Array())).toEqual(blob);
    expect(rows[0]?.n).toBe(2 ** 40);
    expect(rows[1]).toEqual({ name: null, data: null, n: null });
  });

  it("runs transactions one after the other on its single connection, each seeing the one before", async () => {
    const { db } = await memory();
    await sql`insert into t (id, n) values (1, 0)`.execute(db);
    // Each transaction reads, waits a turn, and writes back: interleaved, they would lose increments.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction().execute(async (trx) => {
          const { rows } = await sql<{ n: number }>`select n from t where id = 1`.execute(trx);
          await new Promise((resolve) => setImmediate(resolve));
          await sql`update t set n = ${(rows[0]?.n ?? 0) + 1} where id = 1`.execute(trx);
        }),
      ),
    );
    const { rows } = await sql<{ n: number }>`select n from t where id = 1`.execute(db);
    expect(rows).toEqual([{ n: 20 }]);
  });

  it("rolls a failed transaction back", async () => {
    const { db } = await memory();
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`insert into t (name) values (${"kept?"})`.execute(trx);
        await sql`insert into t (name) values (${"kept?"})`.execute(trx);
      }),
    ).rejects.toThrow(/UNIQUE/);
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it("commits a transaction that ran no statement, and reports the first statement's own error when it fails", async () => {
    const { db } = await memory();
    await expect(db.transaction().execute(() => Promise.resolve("nothing"))).resolves.toBe("nothing");
    // BEGIN travels with the first statement; its failure must come back as itself, not as a failed ROLLBACK.
    await expect(db.transaction().execute((trx) => sql`select nope from t`.execute(trx))).rejects.toThrow(/no such column: nope/);
    await db.transaction().execute((trx) => sql`insert into t (name) values (${"after"})`.execute(trx));
    const { rows } = await sql<{ name: string }>`select name from t`.execute(db);
    expect(rows).toEqual([{ name: "after" }]);
  });

  it("refuses statements once closed, and a thread given back serves the next database from scratch", async () => {
    const first = await openDatabase("sqlite::memory:");
    await sql`create table only_in_first (a integer)`.execute(first.db);
    await first.close();
    await expect(sql`select 1`.execute(first.db)).rejects.toThrow();
    const second = await memory();
    await expect(sql`select * from only_in_first`.execute(second.db)).rejects.toThrow(/no such table: only_in_first/);
  });

  it("lets two databases on one file read while the other holds a write transaction (WAL)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "jobwire-thread-"));
    dirs.push(dir);
    const url = `sqlite:${path.join(dir, "shared.db")}`;
    const writer = await openDatabase(url);
    opened.push(writer);
    const reader = await openDatabase(url);
    opened.push(reader);
    await sql`create table k (v integer)`.execute(writer.db);
    await sql`insert into k (v) values (1)`.execute(writer.db);
    await writer.db.transaction().execute(async (trx) => {
      await sql`insert into k (v) values (2)`.execute(trx);
      // The reader is not blocked by the open write, and does not see it before the commit.
      const { rows } = await sql<{ n: number }>`select count(*) as n from k`.execute(reader.db);
      expect(rows).toEqual([{ n: 1 }]);
    });
    const { rows } = await sql<{ n: number }>`select count(*) as n from k`.execute(reader.db);
    expect(rows).toEqual([{ n: 2 }]);
  });
});
