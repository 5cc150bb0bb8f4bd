import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from "kysely";
import { SqliteThread } from "./sqlite-thread-client.js";

export interface SqliteThreadDialectConfig {
  /** A file path, or `:memory:`. */
  readonly filename: string;
  readonly busyTimeoutMs: number;
}

/**
 * Kysely's SQLite dialect with the database on its own thread (see `sqlite-thread.ts`): the same SQL, adapter and
 * introspection as Kysely's `SqliteDialect`, but statements run beside the admin instead of blocking it.
 */
export class SqliteThreadDialect implements Dialect {
  constructor(private readonly config: SqliteThreadDialectConfig) {}

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createDriver(): Driver {
    return new SqliteThreadDriver(this.config);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/** One connection, as SQLite has: a caller waits for the one before it to release it (transactions included). */
class SqliteThreadDriver implements Driver {
  private thread: SqliteThread | undefined;
  private connection: SqliteThreadConnection | undefined;
  private held = false;
  /** Callers waiting for the connection, first come first served; the releaser hands it to the first. */
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly config: SqliteThreadDialectConfig) {}

  async init(): Promise<void> {
    const thread = SqliteThread.acquire();
    try {
      await thread.open(this.config.filename, this.config.busyTimeoutMs);
    } catch (error) {
      await thread.release();
      throw error;
    }
    this.thread = thread;
    this.connection = new SqliteThreadConnection(thread);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = this.connection;
    if (connection === undefined) throw new Error("the SQLite database is closed");
    if (this.held) await new Promise<void>((handOver) => this.waiting.push(handOver));
    else this.held = true;
    return connection;
  }

  /** BEGIN goes with the transaction's first statement (see `QueryRequest.begin`). */
  beginTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as SqliteThreadConnection).beginPending = true;
    return Promise.resolve();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const threadConnection = connection as SqliteThreadConnection;
    // A transaction that ran no statement never began.
    if (threadConnection.takePendingBegin()) return;
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const threadConnection = connection as SqliteThreadConnection;
    // Nothing to roll back when nothing began, or when SQLite already ended the transaction itself (some errors do),
    // where a ROLLBACK would fail and hide the error that caused it.
    if (threadConnection.takePendingBegin() || !threadConnection.inTransaction) return;
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  releaseConnection(): Promise<void> {
    const next = this.waiting.shift();
    if (next === undefined) this.held = false;
    else next();
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    this.connection = undefined;
    if (thread === undefined) return;
    try {
      await thread.close();
    } finally {
      await thread.release();
    }
  }
}

class SqliteThreadConnection implements DatabaseConnection {
  /** A transaction was begun and no statement has been sent since: the next one carries the BEGIN. */
  beginPending = false;

  constructor(private readonly thread: SqliteThread) {}

  get inTransaction(): boolean {
    return this.thread.inTransaction;
  }

  /** Clears a pending BEGIN; true if there was one. */
  takePendingBegin(): boolean {
    const pending = this.beginPending;
    this.beginPending = false;
    return pending;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.thread.query(compiledQuery.sql, compiledQuery.parameters, this.takePendingBegin());
    if (result.rows !== undefined) return { rows: result.rows as R[] };
    return { rows: [], numAffectedRows: BigInt(result.changes), insertId: BigInt(result.lastInsertRowid) };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(compiledQuery);
  }
}
