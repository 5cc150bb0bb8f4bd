/**
 * Fresh databases for the scheduler benchmarks, one per run and dialect, made by the tests' scratch-database
 * helper (which imports nothing of vitest): a SQLite file, a MariaDB/MySQL database `jw_b_<random>`, a PostgreSQL
 * schema `jw_b_<random>`.
 *
 * Server URLs: `JOBWIRE_BENCH_MYSQL_URL` / `JOBWIRE_BENCH_POSTGRES_URL`, else the test variables
 * (`JOBWIRE_TEST_MYSQL_URL` / `JOBWIRE_TEST_POSTGRES_URL`), else the local servers on 127.0.0.1.
 * `JOBWIRE_BENCH_DIALECTS=sqlite,postgres` limits the dialects.
 */
import { DIALECT_NAMES, migrateToLatest, openDatabase, type DialectName, type JobwireDatabase } from "../src/admin/persistence/index.js";
import { createScratchDatabase } from "../test/helpers/scratch-database.js";

export interface BenchDatabase {
  readonly dialect: DialectName;
  /** URL for `openDatabase` or an admin's `databaseUrl`. */
  readonly url: string;
  /** An open, migrated pool on it. */
  readonly database: JobwireDatabase;
  /** Closes `database` and deletes the database; safe to call twice. */
  drop(): Promise<void>;
}

const DEFAULT_URLS: Readonly<Record<Exclude<DialectName, "sqlite">, string>> = {
  mysql: "mysql://root@127.0.0.1:3306/",
  postgres: "postgres://postgres@127.0.0.1:5432/postgres",
};

function serverUrl(dialect: Exclude<DialectName, "sqlite">): string {
  const upper = dialect.toUpperCase();
  const value = process.env[`JOBWIRE_BENCH_${upper}_URL`] ?? process.env[`JOBWIRE_TEST_${upper}_URL`];
  return value === undefined || value.trim() === "" ? DEFAULT_URLS[dialect] : value.trim();
}

/** The dialects to benchmark, from `JOBWIRE_BENCH_DIALECTS` (default all three). */
export function benchDialects(): DialectName[] {
  const wanted = process.env["JOBWIRE_BENCH_DIALECTS"];
  if (wanted === undefined || wanted.trim() === "") return [...DIALECT_NAMES];
  const names = wanted.split(",").map((name) => name.trim().toLowerCase().replace(/^mariadb$/, "mysql"));
  for (const name of names) {
    if (!(DIALECT_NAMES as readonly string[]).includes(name)) throw new Error(`JOBWIRE_BENCH_DIALECTS: unknown dialect "${name}"; known: ${DIALECT_NAMES.join(", ")}`);
  }
  return DIALECT_NAMES.filter((dialect) => names.includes(dialect));
}

/** What the tables call each dialect. */
export function dialectLabel(dialect: DialectName): string {
  return dialect === "mysql" ? "MariaDB" : dialect === "postgres" ? "PostgreSQL" : "SQLite";
}

/** Creates a fresh, migrated database of `dialect`. */
export async function createBenchDatabase(dialect: DialectName, poolSize?: number): Promise<BenchDatabase> {
  const created = await createScratchDatabase(dialect, dialect === "sqlite" ? undefined : serverUrl(dialect), "jw_b");
  let database: JobwireDatabase;
  try {
    database = await openDatabase(created.url, poolSize === undefined ? {} : { poolSize });
    await migrateToLatest(database.db);
  } catch (error) {
    await created.remove();
    throw error;
  }
  let dropped = false;
  return {
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
}
