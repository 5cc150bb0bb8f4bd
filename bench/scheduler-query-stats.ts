/**
 * Diagnostics for the scheduler benchmarks (admin child with `JOBWIRE_BENCH_QUERY_STATS=1`): counts the SQL
 * statements the admin sends and the time each kind takes as the admin sees it (round trip, including the wait
 * for a free pooled connection is reported separately), by wrapping the drivers' query functions (for SQLite, the
 * round trip to its thread) in the admin process. Nothing under src/ changes; without the variable nothing is wrapped.
 */
import mysql from "mysql2";
import pg from "pg";
import { SqliteThread } from "../src/admin/persistence/sqlite-thread-client.js";

interface Stat {
  count: number;
  totalMs: number;
  maxMs: number;
}

const stats = new Map<string, Stat>();
let firstAt = 0;
let lastAt = 0;

/** Statements slower than this are listed one by one, with the wall-clock time they ended. */
const SLOW_MS = 150;
const slow: string[] = [];

function record(name: string, ms: number): void {
  const now = Date.now();
  if (ms > SLOW_MS) slow.push(`${new Date(now).toISOString().slice(17, 23)} ${ms.toFixed(0)} ms ${name.slice(0, 60)}`);
  if (firstAt === 0) firstAt = now;
  lastAt = now;
  const stat = stats.get(name) ?? { count: 0, totalMs: 0, maxMs: 0 };
  stat.count++;
  stat.totalMs += ms;
  stat.maxMs = Math.max(stat.maxMs, ms);
  stats.set(name, stat);
}

/** A statement's shape: parameters and value lists collapsed, first 110 characters. */
function shape(sql: string): string {
  return sql
    .replace(/\s+/g, " ")
    .replace(/\$\d+/g, "?")
    .replace(/\((\?, )+\?\)/g, "(?…)")
    .replace(/(\(\?…\), )+\(\?…\)/g, "(?…)×n")
    .replace(/(\(\?…\)|\(\?\))(, (\(\?…\)|\(\?\)))+/g, "(?…)×n")
    .slice(0, 110);
}

function timed<T>(name: string, work: () => T): T {
  const started = performance.now();
  const result = work();
  if (result instanceof Promise) {
    return result.finally(() => record(name, performance.now() - started)) as T;
  }
  record(name, performance.now() - started);
  return result;
}

export function installQueryStats(): void {
  type Patchable = { query: (...args: unknown[]) => unknown; connect: (...args: unknown[]) => unknown };
  const clientProto = pg.Client.prototype as unknown as Patchable;
  const pgQuery = clientProto.query;
  clientProto.query = function (this: unknown, ...args: unknown[]) {
    const text = typeof args[0] === "string" ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? "?");
    return timed(shape(text), () => pgQuery.apply(this, args));
  };
  const poolProto0 = pg.Pool.prototype as unknown as Patchable;
  const pgConnect = poolProto0.connect;
  poolProto0.connect = function (this: unknown, ...args: unknown[]) {
    return timed("[pool] wait for a connection", () => pgConnect.apply(this, args));
  };

  type Callback = (...results: unknown[]) => void;
  const connectionProto = (mysql as unknown as { Connection: { prototype: { query: (...args: unknown[]) => unknown } } }).Connection.prototype;
  const mysqlQuery = connectionProto.query;
  connectionProto.query = function (this: unknown, ...args: unknown[]) {
    const callbackIndex = args.findIndex((arg) => typeof arg === "function");
    const text = typeof args[0] === "string" ? args[0] : ((args[0] as { sql?: string } | undefined)?.sql ?? "?");
    if (callbackIndex >= 0) {
      const started = performance.now();
      const callback = args[callbackIndex] as Callback;
      args[callbackIndex] = (...results: unknown[]) => {
        record(shape(text), performance.now() - started);
        callback(...results);
      };
    }
    return mysqlQuery.apply(this, args);
  };
  // SQLite runs on its own thread (SqliteThread): time each statement's round trip to it, as for the servers.
  // Every argument passes through (the third opens a transaction): a wrapper that dropped one would change what runs.
  const threadProto = SqliteThread.prototype as unknown as { query: (...args: unknown[]) => Promise<unknown> };
  const threadQuery = threadProto.query;
  threadProto.query = function (this: unknown, ...args: unknown[]) {
    return timed(shape(typeof args[0] === "string" ? args[0] : "?"), () => threadQuery.apply(this, args));
  };
  const poolProto = (mysql as unknown as { Pool: { prototype: { getConnection: (callback: Callback) => unknown } } }).Pool.prototype;
  const getConnection = poolProto.getConnection;
  poolProto.getConnection = function (this: unknown, callback: Callback) {
    const started = performance.now();
    return getConnection.call(this, (...results: unknown[]) => {
      record("[pool] wait for a connection", performance.now() - started);
      callback(...results);
    });
  };
}

/** The statements seen so far, most total time first, as text lines. */
export function formatQueryStats(): string {
  const rows = [...stats].sort((a, b) => b[1].totalMs - a[1].totalMs);
  const lines = [`query stats over ${((lastAt - firstAt) / 1000).toFixed(1)} s (count, total s, mean ms, max ms, statement):`];
  for (const [name, stat] of rows.slice(0, 40)) {
    lines.push(`${String(stat.count).padStart(8)} ${(stat.totalMs / 1000).toFixed(1).padStart(8)} ${(stat.totalMs / stat.count).toFixed(2).padStart(8)} ${stat.maxMs.toFixed(0).padStart(7)}  ${name}`);
  }
  if (slow.length > 0) lines.push(`statements over ${SLOW_MS} ms (${slow.length}):`, ...slow.slice(0, 60).map((line) => `    ${line}`));
  return lines.join("\n");
}
