import { CompiledQuery, Kysely, MysqlDialect, PostgresDialect, sql, type Dialect } from "kysely";
import { createPool as createMysqlPool } from "mysql2";
import pg from "pg";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseDatabaseUrl, redactDatabaseUrl, type DatabaseLocation } from "./database-url.js";
import type { DialectName } from "./dialect.js";
import type { Database } from "./tables/index.js";
import { SqliteThreadDialect } from "./sqlite-thread-dialect.js";

/** An open database: the Kysely instance repositories take, its dialect, and how to close its pool. */
export interface JobwireDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Connections per pool for MySQL and PostgreSQL (SQLite uses one connection). @default 10 */
  readonly poolSize?: number;
  /** How long SQLite waits for another process's write lock before failing with SQLITE_BUSY. @default 5000 */
  readonly sqliteBusyTimeoutMs?: number;
}

/**
 * Opens a database from a URL (see `parseDatabaseUrl` for the forms) and checks that it answers, so that a wrong
 * host or password fails here with a clear message rather than at the first query. It does not migrate: call
 * `migrateToLatest(database.db)` next.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<JobwireDatabase> {
  const location = parseDatabaseUrl(url);
  let db: Kysely<Database> | undefined;
  try {
    db = new Kysely<Database>({ dialect: createDialect(location, options) });
    await sql`select 1`.execute(db);
    if (location.dialect === "postgres" && location.schema !== undefined) await ensurePostgresSchema(db, location.schema);
  } catch (error) {
    await db?.destroy().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open the ${location.dialect} database "${redactDatabaseUrl(url)}": ${reason}`, { cause: error });
  }
  const opened = db;
  return { db: opened, dialect: location.dialect, close: () => opened.destroy() };
}

function createDialect(location: DatabaseLocation, options: OpenDatabaseOptions): Dialect {
  const poolSize = options.poolSize ?? 10;
  switch (location.dialect) {
    case "sqlite":
      // The database runs on its own thread (see sqlite-thread.ts); its directory is made here, where a failure
      // names the path.
      if (location.filename !== ":memory:") mkdirSync(path.dirname(path.resolve(location.filename)), { recursive: true });
      return new SqliteThreadDialect({ filename: location.filename, busyTimeoutMs: options.sqliteBusyTimeoutMs ?? 5_000 });
    case "mysql":
      return new MysqlDialect({
        pool: createMysqlPool({
          host: location.host,
          port: location.port,
          user: location.user,
          password: location.password,
          database: location.database,
          connectionLimit: poolSize,
          charset: "utf8mb4",
          // BIGINT columns (ids, epoch ms) arrive as JS numbers; every value jobwire stores is a safe integer.
          supportBigNumbers: true,
          bigNumberStrings: false,
          // Times are stored as epoch ms, so the session time zone never affects a value; UTC keeps it predictable.
          timezone: "Z",
        }),
        // InnoDB's default REPEATABLE READ takes gap locks on locking reads: an admin claiming due jobs with
        // FOR UPDATE SKIP LOCKED would then block other admins moving their own jobs' next fire times into the
        // locked index range, serialising the cluster. Every jobwire transaction is written for READ COMMITTED
        // (conditional updates, unique keys), which takes no gap locks; PostgreSQL's default is the same level.
        onCreateConnection: async (connection) => {
          await connection.executeQuery(CompiledQuery.raw("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"));
        },
      });
    case "postgres": {
      // pg returns int8 (COUNT, BIGINT) and numeric (SUM) as strings. The override is per pool so that another
      // library sharing the process keeps pg's global parsers.
      const types = new pg.TypeOverrides();
      types.setTypeParser(20, Number);
      types.setTypeParser(1700, Number);
      return new PostgresDialect({
        pool: new pg.Pool({
          connectionString: location.connectionString,
          max: poolSize,
          types,
          ...(location.schema === undefined ? {} : { options: `-c search_path=${location.schema}` }),
        }),
      });
    }
  }
}

/**
 * Creates the schema named in the URL if it does not exist yet. The existence check comes first because
 * CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database, which a user confined to an
 * existing schema lacks; a concurrent creation by another admin is tolerated.
 */
async function ensurePostgresSchema(db: Kysely<Database>, schema: string): Promise<void> {
  const exists = async (): Promise<boolean> => {
    const { rows } = await sql<{ n: number }>`select count(*) as n from pg_namespace where nspname = ${schema}`.execute(db);
    return (rows[0]?.n ?? 0) > 0;
  };
  if (await exists()) return;
  try {
    await sql`create schema ${sql.id(schema)}`.execute(db);
  } catch (error) {
    if (!(await exists())) throw error;
  }
}
