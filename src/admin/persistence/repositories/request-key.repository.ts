import type { Kysely, Selectable } from "kysely";
import { insertIgnoringDuplicates, toNumber } from "../dialect.js";
import { int, stringList } from "../row-values.js";
import type { Database, RequestTable } from "../tables/index.js";

/** An idempotency key: unique per caller and per RPC, so two users (or two RPCs) never share one. */
export interface RequestKey {
  readonly userId: number;
  /** Full RPC name, e.g. `jobwire.v1.JobService/CreateJob`. */
  readonly method: string;
  readonly requestId: string;
}

/** A key that a call already used, with the resource names its response held. */
export interface StoredRequest extends RequestKey {
  readonly resources: readonly string[];
  readonly createTime: number;
}

export async function getRequestKey(db: Kysely<Database>, key: RequestKey): Promise<StoredRequest | undefined> {
  const row = await db
    .selectFrom("jw_request")
    .selectAll()
    .where("user_id", "=", key.userId)
    .where("method", "=", key.method)
    .where("request_id", "=", key.requestId)
    .executeTakeFirst();
  return row === undefined ? undefined : rowToRequest(row);
}

/**
 * Stores a key with the response of the call that used it; call it in the transaction that makes the call's
 * change. Returns false, storing nothing, when the key is already taken. A concurrent call with the same key
 * that has not committed yet makes this wait for it: false if it commits, true if it rolls back. The caller
 * must then roll its own transaction back, so that exactly one of the calls takes effect.
 */
export async function insertRequestKey(db: Kysely<Database>, key: RequestKey, resources: readonly string[], now: number): Promise<boolean> {
  const inserted = await insertIgnoringDuplicates(
    db,
    db.insertInto("jw_request").values({
      user_id: key.userId,
      method: key.method,
      request_id: key.requestId,
      response_json: JSON.stringify(resources),
      create_time: now,
    }),
  );
  return inserted > 0;
}

/** Deletes at most `limit` keys stored before `before` and returns how many it deleted; repeat until below `limit`. */
export async function deleteRequestKeysBefore(db: Kysely<Database>, before: number, limit: number): Promise<number> {
  const ids = await db.selectFrom("jw_request").select("id").where("create_time", "<", before).orderBy("id").limit(limit).execute();
  if (ids.length === 0) return 0;
  const result = await db.deleteFrom("jw_request").where("id", "in", ids.map((r) => r.id)).executeTakeFirst();
  return toNumber(result.numDeletedRows);
}

function rowToRequest(row: Selectable<RequestTable>): StoredRequest {
  return {
    userId: int(row.user_id),
    method: row.method,
    requestId: row.request_id,
    resources: stringList(row.response_json, "jw_request.response_json"),
    createTime: int(row.create_time),
  };
}
