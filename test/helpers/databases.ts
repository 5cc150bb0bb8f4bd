/**
 * Fresh databases for tests, on every dialect jobwire supports.
 *
 * - SQLite: a new file in a new temporary directory (a file rather than `:memory:` so that a second connection,
 *   e.g. an admin started by an end-to-end test, can open the same database by URL).
 * - MySQL/MariaDB: `CREATE DATABASE jw_t_<random>` through the root URL in `JOBWIRE_TEST_MYSQL_URL`
 *   (e.g. `mysql://root@127.0.0.1:3306/`), with the server's default charset, as an operator would create it;
 *   the migration itself pins utf8mb4 and the binary collation on every table.
 * - PostgreSQL: a new schema `jw_t_<random>` in the database of `JOBWIRE_TEST_POSTGRES_URL`
 *   (e.g. `postgres://postgres@127.0.0.1:5432/postgres`), reached with `?schema=jw_t_<random>`. A schema is much
 *   cheaper to create and drop than a database and isolates the tables just as well.
 *
 * A dialect whose variable is unset is skipped (and shows up as skipped, which CI treats as a failure).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import {
  DIALECT_NAMES,
  migrateToLatest,
  openDatabase,
  type Database,
  type DialectName,
  type JobwireDatabase,
} from "../../src/admin/persistence/index.js";

export interface TestDatabase {
  readonly dialect: DialectName;
  /** A URL for `openDatabase` or an admin's `databaseUrl`, pointing at this test's fresh database. */
  readonly url: string;
  /** An open connection (pool) to it. */
  readonly database: JobwireDatabase;
  /** Closes `database` and deletes the database; safe to call twice. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Run the migrations before returning. @default true */
  readonly migrate?: boolean;
}

const ENV_BY_DIALECT: Readonly<Record<Exclude<DialectName, "sqlite">, string>> = {
  mysql: "JOBWIRE_TEST_MYSQL_URL",
  postgres: "JOBWIRE_TEST_POSTGRES_URL",
};

/** The server URL configured for a dialect, or undefined; SQLite needs none. */
function serverUrl(dialect: DialectName): string | undefined {
  if (dialect === "sqlite") return undefined;
  const value = process.env[ENV_BY_DIALECT[dialect]];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

export function isDialectConfigured(dialect: DialectName): boolean {
  return dialect === "sqlite" || serverUrl(dialect) !== undefined;
}

/** The dialects this run can test: SQLite always, MySQL and PostgreSQL when their URL is set. */
export function testDialects(): DialectName[] {
  return DIALECT_NAMES.filter(isDialectConfigured);
}

function uniqueName(): string {
  return `jw_t_${randomBytes(6).toString("hex")}`;
}

/** Creates a fresh, empty (by default migrated) database of `dialect`. */
export async function createTestDatabase(dialect: DialectName, options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const created = await createEmpty(dialect);
  let database: JobwireDatabase;
  try {
    database = await openDatabase(created.url);
  } catch (error) {
    await created.remove();
    throw error;
  }
  let dropped = false;
  const testDatabase: TestDatabase = {
    dialect,
    url: created.url,
    database,
    async drop() {
      if (dropped) return;
      dropped = true;
      await database.close();
      await created.remove();
    },
  };
  if (options.migrate ?? true) {
    try {
      await migrateToLatest(database.db);
    } catch (error) {
      await testDatabase.drop();
      throw error;
    }
  }
  return testDatabase;
}

async function createEmpty(dialect: DialectName): Promise<{ url: string; remove: () => Promise<void> }> {
  switch (dialect) {
    case "sqlite": {
      const dir = await mkdtemp(path.join(tmpdir(), "jobwire-test-"));
      return { url: `sqlite:${path.join(dir, "jobwire.db")}`, remove: () => rm(dir, { recursive: true, force: true }) };
    }
    case "mysql": {
      const base = new URL(requireServerUrl(dialect));
      const name = uniqueName();
      await withMysqlRoot(base, (conn) => conn.query(`create database \`${name}\``));
      const url = new URL(base.href);
      url.pathname = `/${name}`;
      return { url: url.href, remove: () => withMysqlRoot(base, (conn) => conn.query(`drop database if exists \`${name}\``)) };
    }
    case "postgres": {
      const base = new URL(requireServerUrl(dialect));
      const name = uniqueName();
      await withPostgres(base, (client) => client.query(`create schema "${name}"`));
      const url = new URL(base.href);
      url.searchParams.set("schema", name);
      return { url: url.href, remove: () => withPostgres(base, (client) => client.query(`drop schema if exists "${name}" cascade`)) };
    }
  }
}

function requireServerUrl(dialect: DialectName): string {
  const url = serverUrl(dialect);
  if (url === undefined) throw new Error(`set ${dialect === "sqlite" ? "" : ENV_BY_DIALECT[dialect]} to test on ${dialect}`);
  return url;
}

async function withMysqlRoot(base: URL, work: (conn: mysql.Connection) => Promise<unknown>): Promise<void> {
  const conn = await mysql.createConnection({
    host: base.hostname,
    port: base.port === "" ? 3306 : Number(base.port),
    user: decodeURIComponent(base.username),
    password: decodeURIComponent(base.password),
  });
  try {
    await work(conn);
  } finally {
    await conn.end();
  }
}

async function withPostgres(base: URL, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: base.href });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Declares `body` once per dialect, each in its own describe block with its own fresh, migrated database that is
 * created before the block's tests and dropped after them. `getDb()` is valid inside hooks and tests only.
 *
 * ```ts
 * describeEachDatabase("executor-group repository", (getDb) => {
 *   describe("insertGroup()", () => {
 *     it("assigns an id", async () => {
 *       const group = await insertGroup(getDb(), { ... }, 1_000);
 *       expect(group.id).toBeGreaterThan(0);
 *     });
 *   });
 * });
 * ```
 */
export function describeEachDatabase(
  name: string,
  body: (getDb: () => Kysely<Database>, dialect: DialectName, getTestDatabase: () => TestDatabase) => void,
): void {
  for (const dialect of DIALECT_NAMES) {
    describe.skipIf(!isDialectConfigured(dialect))(`${name} (${dialect})`, () => {
      let testDatabase: TestDatabase | undefined;
      beforeAll(async () => {
        testDatabase = await createTestDatabase(dialect);
      });
      afterAll(async () => {
        await testDatabase?.drop();
      });
      const getTestDatabase = (): TestDatabase => {
        if (testDatabase === undefined) throw new Error(`the ${dialect} test database is not open; use getDb() inside hooks and tests only`);
        return testDatabase;
      };
      body(() => getTestDatabase().database.db, dialect, getTestDatabase);
    });
  }
}
