import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase } from "kysely";
import { LruMap } from "../../shared/lru-map.js";

/** Prepared statements kept per SQLite database; the scheduler's hot path uses a few dozen distinct texts. */
export const SQLITE_STATEMENT_CACHE_SIZE = 100;

/**
 * The SQLite database as Kysely sees it, with its prepared statements reused by SQL text (least recently used
 * dropped first). Kysely prepares every query anew, and compiling the scheduler's 500-row statements was about a
 * tenth of a busy SQLite admin's time; the same texts recur batch after batch. Statements are only ever run to
 * completion (`all`, `run`), never left iterating, so a cached one is always free to run again; SQLite itself
 * recompiles a statement whose tables changed (a migration).
 */
export function withStatementCache(database: BetterSqlite3.Database, capacity: number = SQLITE_STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new LruMap<string, BetterSqlite3.Statement>(capacity);
  return {
    close: () => database.close(),
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached !== undefined) return cached;
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      return statement;
    },
  };
}
