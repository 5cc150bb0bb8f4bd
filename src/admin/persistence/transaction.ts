import type { Kysely } from "kysely";
import type { Database } from "./tables/index.js";

/**
 * Runs `work` in a transaction, or directly when `db` already is one: repositories compose, so a multi-statement
 * operation called inside a caller's transaction joins it instead of trying to nest.
 */
export function inTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
