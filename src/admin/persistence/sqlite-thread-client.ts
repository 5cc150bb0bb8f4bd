import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { LruMap } from "../../shared/lru-map.js";
import type { QueryRequest, SqliteThreadReply, SqliteThreadRequest } from "./sqlite-thread-protocol.js";
import { packValues, transferablesOf, unpackRows } from "./sqlite-thread-values.js";

/** Prepared statements kept per SQLite database; the scheduler's hot path uses a few dozen distinct texts. */
export const SQLITE_STATEMENT_CACHE_SIZE = 100;
/** Started threads kept for the next database once theirs closed (tests open hundreds; each start costs ~0.1 s). */
const IDLE_THREADS_KEPT = 2;
const idle: SqliteThread[] = [];

/** What one statement returned: its rows, or (for a statement that returns none) its change count and last row id. */
export interface StatementResult {
  readonly rows: Record<string, unknown>[] | undefined;
  readonly changes: number | bigint;
  readonly lastInsertRowid: number | bigint;
}

interface Pending {
  readonly resolve: (reply: SqliteThreadReply) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A worker thread that owns one SQLite database (see `sqlite-thread.ts`): requests go out in order and each gets
 * its reply in the same order. The thread keeps the process alive only while a request is waiting for its reply.
 *
 * Statement texts cross once (see `QueryRequest`): this side numbers the texts it sent, least recently used
 * forgotten first, and tells the thread which numbers it may drop. SQLite itself recompiles a prepared statement
 * whose tables changed (a migration).
 */
export class SqliteThread {
  private readonly pending: Pending[] = [];
  private failure: Error | undefined;
  /** Whether the thread's database has a transaction open, as of the last reply. */
  inTransaction = false;
  private readonly statements = new LruMap<string, number>(SQLITE_STATEMENT_CACHE_SIZE);
  private nextStatement = 1;
  private forget: number[] = [];

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on("message", (reply: SqliteThreadReply) => {
      this.pending.shift()?.resolve(reply);
      if (this.pending.length === 0) worker.unref();
    });
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => this.fail(new Error(`the SQLite thread exited (code ${code})`)));
  }

  /** A started thread: an idle one when there is one, else a new one. */
  static acquire(): SqliteThread {
    for (let thread = idle.pop(); thread !== undefined; thread = idle.pop()) if (thread.failure === undefined) return thread;
    return new SqliteThread(startWorker());
  }

  async open(filename: string, busyTimeoutMs: number): Promise<void> {
    await this.send({ kind: "open", filename, busyTimeoutMs }, []);
  }

  /**
   * Runs one statement, after opening a transaction when `begin` is set; rejects with what SQLite raised (its `code`
   * kept, e.g. SQLITE_CONSTRAINT_UNIQUE).
   */
  async query(sql: string, parameters: readonly unknown[], begin = false): Promise<StatementResult> {
    let statement = this.statements.get(sql);
    const known = statement !== undefined;
    if (statement === undefined) {
      statement = this.nextStatement++;
      const evicted = this.statements.set(sql, statement);
      if (evicted !== undefined) this.forget.push(evicted[1]);
    }
    const packed = packValues(parameters);
    const request: QueryRequest = { kind: "query", statement, sql: known ? undefined : sql, parameters: packed ?? [...parameters], forget: this.forget, begin };
    this.forget = [];
    try {
      const reply = await this.send(request, packed === undefined ? [] : transferablesOf(packed));
      return { rows: reply.rows === undefined ? undefined : unpackRows(reply.rows), changes: reply.changes, lastInsertRowid: reply.lastInsertRowid };
    } catch (error) {
      // The text goes again next time, under a new number: a text that failed to compile is not kept on the thread,
      // and one that compiled but failed to run may be, so the thread is told to forget the number either way.
      if (!known) {
        this.statements.take(sql);
        this.forget.push(statement);
      }
      throw error;
    }
  }

  /** Closes the database; the thread may then open another. */
  async close(): Promise<void> {
    await this.send({ kind: "close" }, []);
  }

  /** Gives the thread back once its database is closed: kept for the next open, or stopped. */
  async release(): Promise<void> {
    this.statements.clear();
    this.forget = [];
    if (this.failure === undefined && idle.length < IDLE_THREADS_KEPT) {
      idle.push(this);
      return;
    }
    this.failure ??= new Error("the SQLite thread was stopped");
    await this.worker.terminate();
  }

  private async send(request: SqliteThreadRequest, transfer: ArrayBuffer[]): Promise<SqliteThreadReply & { ok: true }> {
    if (this.failure !== undefined) throw this.failure;
    const reply = await new Promise<SqliteThreadReply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      if (this.pending.length === 1) this.worker.ref();
      this.worker.postMessage(request, transfer);
    });
    this.inTransaction = reply.inTransaction;
    if (reply.ok) return reply;
    // Rebuilt on this thread, so that its stack shows the caller; the code (SQLITE_CONSTRAINT_UNIQUE, …) is kept.
    throw Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.splice(0)) waiting.reject(error);
    const index = idle.indexOf(this);
    if (index >= 0) idle.splice(index, 1);
  }
}

/**
 * Starts the thread's module next to this one: compiled JavaScript as it is; TypeScript sources (tests, `npm start`
 * through tsx) through tsx's loader, which a worker thread does not inherit from the thread that starts it.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith(".js")) return new Worker(new URL("./sqlite-thread.js", here));
  const require = createRequire(here);
  const loader = require.resolve("tsx/cjs/api");
  const entry = fileURLToPath(new URL("./sqlite-thread.ts", here));
  return new Worker(`require(${JSON.stringify(loader)}).register(); require(${JSON.stringify(entry)});`, { eval: true });
}
