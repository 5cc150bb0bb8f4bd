import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { withStatementCache } from "../../../src/admin/persistence/sqlite-statement-cache.js";

describe("withStatementCache", () => {
  const open: BetterSqlite3.Database[] = [];
  afterEach(() => {
    for (const database of open.splice(0)) if (database.open) database.close();
  });
  const memory = (): BetterSqlite3.Database => {
    const database = new BetterSqlite3(":memory:");
    open.push(database);
    return database;
  };

  it("hands out the same prepared statement for the same text, and a new one for another text", () => {
    const cached = withStatementCache(memory());
    const first = cached.prepare("select 1 as n");
    expect(cached.prepare("select 1 as n")).toBe(first);
    expect(cached.prepare("select 2 as n")).not.toBe(first);
    expect(first.all([])).toEqual([{ n: 1 }]);
  });

  it("drops the least recently used statement beyond its capacity", () => {
    const cached = withStatementCache(memory(), 2);
    const a = cached.prepare("select 'a' as v");
    const b = cached.prepare("select 'b' as v");
    // Using a makes b the least recently used one, which the third text pushes out.
    expect(cached.prepare("select 'a' as v")).toBe(a);
    cached.prepare("select 'c' as v");
    expect(cached.prepare("select 'a' as v")).toBe(a);
    expect(cached.prepare("select 'b' as v")).not.toBe(b);
  });

  it("runs a cached statement again after the table it reads changed shape", () => {
    const database = memory();
    const cached = withStatementCache(database);
    database.exec("create table t (a integer)");
    database.exec("insert into t (a) values (1)");
    expect(cached.prepare("select * from t").all([])).toEqual([{ a: 1 }]);
    database.exec("alter table t add column b text default 'x'");
    expect(cached.prepare("select * from t").all([])).toEqual([{ a: 1, b: "x" }]);
  });

  it("closes the database", () => {
    const database = memory();
    withStatementCache(database).close();
    expect(database.open).toBe(false);
  });
});
