/**
 * The body of the thread that owns an admin's SQLite database (started by `SqliteThread`; never imported on the
 * admin's own thread). better-sqlite3 runs every statement synchronously on the thread that calls it: on the
 * admin's thread, SQLite's own work was the larger part of a busy admin's time, and the admin could read no socket
 * and fire no timer meanwhile. Here it runs beside the admin, on another core.
 */
import { parentPort } from "node:worker_threads";
import BetterSqlite3 from "better-sqlite3";
import type { QueryRequest, SqliteThreadError, SqliteThreadReply, SqliteThreadRequest } from "./sqlite-thread-protocol.js";
import { isPacked, packRows, transferablesOf, unpackValues } from "./sqlite-thread-values.js";

let database: BetterSqlite3.Database | undefined;
let begin: BetterSqlite3.Statement | undefined;
/** Prepared statements by the number the admin's side gave their text. */
const statements = new Map<number, BetterSqlite3.Statement>();

function open(filename: string, busyTimeoutMs: number): void {
  const opened = new BetterSqlite3(filename);
  try {
    // WAL lets readers (the console) proceed while the scheduler writes; NORMAL sync is durable enough under WAL.
    opened.pragma("journal_mode = WAL");
    opened.pragma("synchronous = NORMAL");
    opened.pragma(`busy_timeout = ${busyTimeoutMs}`);
    opened.pragma("foreign_keys = ON");
  } catch (error) {
    opened.close();
    throw error;
  }
  database = opened;
  begin = opened.prepare("begin");
}

function close(): void {
  statements.clear();
  begin = undefined;
  database?.close();
  database = undefined;
}

function query(request: QueryRequest): SqliteThreadReply {
  if (database === undefined || begin === undefined) throw new Error("the SQLite database is not open");
  for (const id of request.forget) statements.delete(id);
  if (request.begin) begin.run();
  let statement = statements.get(request.statement);
  if (statement === undefined) {
    if (request.sql === undefined) throw new Error(`statement ${request.statement} is not prepared on the SQLite thread`);
    statement = database.prepare(request.sql);
    // Rows come back as arrays of cells, which pack without repeating the column names per row.
    if (statement.reader) statement.raw(true);
    statements.set(request.statement, statement);
  }
  const parameters = isPacked(request.parameters) ? unpackValues(request.parameters) : request.parameters;
  if (statement.reader) {
    const rows = statement.all(parameters) as unknown[][];
    return { ok: true, rows: packRows(statement.columns().map((column) => column.name), rows), changes: 0, lastInsertRowid: 0, inTransaction: database.inTransaction };
  }
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { ok: true, rows: undefined, changes, lastInsertRowid, inTransaction: database.inTransaction };
}

function handle(request: SqliteThreadRequest): SqliteThreadReply {
  switch (request.kind) {
    case "open":
      close();
      open(request.filename, request.busyTimeoutMs);
      return { ok: true, rows: undefined, changes: 0, lastInsertRowid: 0, inTransaction: false };
    case "close":
      close();
      return { ok: true, rows: undefined, changes: 0, lastInsertRowid: 0, inTransaction: false };
    case "query":
      return query(request);
  }
}

function describeError(error: unknown): SqliteThreadError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), code: undefined };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, code: typeof code === "string" ? code : undefined };
}

const port = parentPort;
if (port === null) throw new Error("sqlite-thread.ts runs as a worker thread only");
port.on("message", (request: SqliteThreadRequest) => {
  let reply: SqliteThreadReply;
  try {
    reply = handle(request);
  } catch (error) {
    reply = { ok: false, error: describeError(error), inTransaction: database?.inTransaction ?? false };
  }
  const cells = reply.ok ? reply.rows?.cells : undefined;
  port.postMessage(reply, cells !== undefined && isPacked(cells) ? transferablesOf(cells) : []);
});
