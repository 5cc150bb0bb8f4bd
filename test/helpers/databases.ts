/**
 * Fresh databases for tests, on every dialect jobwire supports (see `scratch-database.ts` for what each is): a
 * SQLite file, a MySQL/MariaDB database `jw_t_<random>` through the root URL in `JOBWIRE_TEST_MYSQL_URL` (e.g.
 * `mysql://root@127.0.0.1:3306/`), a PostgreSQL schema `jw_t_<random>` in the database of
 * `JOBWIRE_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/postgres`).
 *
 * A dialect whose variable is unset is skipped (and shows up as skipped, which CI treats as a failure).
 */
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe } from "vitest";
import {
  DIALECT_NAMES,
  migrateToLatest,
  openDatabase,
  type Database,
  type DialectName,
  type JobwireDatabase,
} from "../../src/admin/persistence/index.js";
import { createScratchDatabase } from "./scratch-database.js";

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

/** Creates a fresh, empty (by default migrated) database of `dialect`. */
export async function createTestDatabase(dialect: DialectName, options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const created = await createScratchDatabase(dialect, dialect === "sqlite" ? undefined : requireServerUrl(dialect), "jw_t");
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

function requireServerUrl(dialect: DialectName): string {
  const url = serverUrl(dialect);
  if (url === undefined) throw new Error(`set ${dialect === "sqlite" ? "" : ENV_BY_DIALECT[dialect]} to test on ${dialect}`);
  return url;
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
