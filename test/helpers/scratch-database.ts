/**
 * Empty scratch databases, shared by the test helpers (`databases.ts`) and the benchmarks, so it imports nothing of
 * vitest:
 *
 * - SQLite: a new file in a new temporary directory (a file rather than `:memory:`, so that a second connection,
 *   e.g. an admin process, can open the same database by URL);
 * - MySQL/MariaDB: `CREATE DATABASE <prefix>_<random>` through the server's root URL, with the server's default
 *   charset as an operator would create it (the migration pins utf8mb4 and the binary collation on every table);
 * - PostgreSQL: a new schema `<prefix>_<random>` in the database of the server URL, reached with `?schema=…`. A
 *   schema is much cheaper to create and drop than a database and isolates the tables just as well.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import type { DialectName } from "../../src/admin/persistence/index.js";

export interface ScratchDatabase {
  /** A URL for `openDatabase` or an admin's `databaseUrl`. */
  readonly url: string;
  /** Deletes the database (or SQLite's directory). */
  remove(): Promise<void>;
}

/**
 * Creates an empty database of `dialect` named `<prefix>_<random>` (SQLite: a directory `jobwire-<prefix>-<random>`). `serverUrl` is the MySQL root URL
 * (`mysql://root@127.0.0.1:3306/`) or the PostgreSQL database URL; SQLite needs none.
 */
export async function createScratchDatabase(dialect: DialectName, serverUrl: string | undefined, prefix: string): Promise<ScratchDatabase> {
  if (dialect === "sqlite") {
    const dir = await mkdtemp(path.join(tmpdir(), `jobwire-${prefix}-`));
    return { url: `sqlite:${path.join(dir, "jobwire.db")}`, remove: () => rm(dir, { recursive: true, force: true }) };
  }
  if (serverUrl === undefined) throw new Error(`no server URL given for a ${dialect} scratch database`);
  const base = new URL(serverUrl);
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const url = new URL(base.href);
  if (dialect === "mysql") {
    await withMysqlRoot(base, (conn) => conn.query(`create database \`${name}\``));
    url.pathname = `/${name}`;
    return { url: url.href, remove: () => withMysqlRoot(base, (conn) => conn.query(`drop database if exists \`${name}\``)) };
  }
  await withPostgres(base, (client) => client.query(`create schema "${name}"`));
  url.searchParams.set("schema", name);
  return { url: url.href, remove: () => withPostgres(base, (client) => client.query(`drop schema if exists "${name}" cascade`)) };
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
