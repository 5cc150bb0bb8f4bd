/**
 * Fresh databases for the scheduler benchmarks, one per run and dialect (the few lines of
 * `test/helpers/databases.ts` the benchmarks need, without vitest):
 *
 * - SQLite: a new file in a new temporary directory (a file, so that an admin child process can open it by URL);
 * - MariaDB/MySQL: `CREATE DATABASE jw_b_<random>` through the server URL;
 * - PostgreSQL: a new schema `jw_b_<random>` reached with `?schema=…`.
 *
 * Server URLs: `JOBWIRE_BENCH_MYSQL_URL` / `JOBWIRE_BENCH_POSTGRES_URL`, else the test variables
 * (`JOBWIRE_TEST_MYSQL_URL` / `JOBWIRE_TEST_POSTGRES_URL`), else the local servers on 127.0.0.1.
 * `JOBWIRE_BENCH_DIALECTS=sqlite,postgres` limits the dialects.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import { DIALECT_NAMES, migrateToLatest, openDatabase, type DialectName, type JobwireDatabase } from "../src/admin/persistence/index.js";

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
  const created = await createEmpty(dialect);
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

function uniqueName(): string {
  return `jw_b_${randomBytes(6).toString("hex")}`;
}

async function createEmpty(dialect: DialectName): Promise<{ url: string; remove: () => Promise<void> }> {
  switch (dialect) {
    case "sqlite": {
      const dir = await mkdtemp(path.join(tmpdir(), "jobwire-bench-"));
      return { url: `sqlite:${path.join(dir, "jobwire.db")}`, remove: () => rm(dir, { recursive: true, force: true }) };
    }
    case "mysql": {
      const base = new URL(serverUrl(dialect));
      const name = uniqueName();
      await withMysqlRoot(base, (conn) => conn.query(`create database \`${name}\``));
      const url = new URL(base.href);
      url.pathname = `/${name}`;
      return { url: url.href, remove: () => withMysqlRoot(base, (conn) => conn.query(`drop database if exists \`${name}\``)) };
    }
    case "postgres": {
      const base = new URL(serverUrl(dialect));
      const name = uniqueName();
      await withPostgres(base, (client) => client.query(`create schema "${name}"`));
      const url = new URL(base.href);
      url.searchParams.set("schema", name);
      return { url: url.href, remove: () => withPostgres(base, (client) => client.query(`drop schema if exists "${name}" cascade`)) };
    }
  }
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
