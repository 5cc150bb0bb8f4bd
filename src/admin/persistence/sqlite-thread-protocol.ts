/**
 * Messages between the admin's thread and the thread that owns its SQLite database (see `SqliteThread`). Each
 * request gets exactly one reply, in order.
 */
import type { PackedRows, PackedValues } from "./sqlite-thread-values.js";

/** Opens the database of this thread; the first request to a thread, and the first after a `close`. */
export interface OpenRequest {
  readonly kind: "open";
  readonly filename: string;
  readonly busyTimeoutMs: number;
}

/**
 * Runs one statement: rows for a statement that returns rows, else the change count and last row id. A statement's
 * text crosses once: the first request for it names it with a number and carries the text, which the thread
 * prepares and keeps under that number; later requests carry the number only.
 */
export interface QueryRequest {
  readonly kind: "query";
  readonly statement: number;
  /** The text, when the thread has not prepared it under `statement` yet. */
  readonly sql: string | undefined;
  /** Packed, or as they are when they could not be packed. */
  readonly parameters: PackedValues | readonly unknown[];
  /** Statements the thread may forget (the admin's side no longer refers to them). */
  readonly forget: readonly number[];
  /**
   * Open a transaction first. The admin's side defers a transaction's BEGIN to its first statement: every round
   * trip to this thread waits for the admin's event loop, and a transaction holds SQLite's only connection meanwhile.
   */
  readonly begin: boolean;
}

/** Closes the database and forgets its statements; the thread then waits for the next `open`. */
export interface CloseRequest {
  readonly kind: "close";
}

export type SqliteThreadRequest = OpenRequest | QueryRequest | CloseRequest;

/** What SQLite raised, as plain data: an error object loses its `code` crossing threads. */
export interface SqliteThreadError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
}

/** Every reply says whether a transaction is open after the request (SQLite ends one by itself on some errors). */
export type SqliteThreadReply =
  | { readonly ok: true; readonly rows: PackedRows | undefined; readonly changes: number | bigint; readonly lastInsertRowid: number | bigint; readonly inTransaction: boolean }
  | { readonly ok: false; readonly error: SqliteThreadError; readonly inTransaction: boolean };
