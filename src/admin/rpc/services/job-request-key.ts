/**
 * Idempotency keys (`request_id`) of CreateJob and TriggerJob, after AIP-155: a client that lost a reply repeats
 * the call with the same key and gets the first call's result instead of a second job or a second run. The key
 * wins: a repeat is answered from the first call even when its other fields differ, because a key names one
 * intended call and the server cannot tell a changed body from a client bug.
 *
 * A key is stored in the transaction that makes the call's change, so it exists exactly when the change does
 * (a call that failed stored nothing and may be repeated). Keys are unique per user and per RPC in the database:
 * of two concurrent calls with one key, the second to store it finds it taken, rolls back everything it did, and
 * answers with the first call's result.
 */
import type { Kysely } from "kysely";
import type { UserPrincipal } from "../../auth/principal.js";
import { AbortedError, InvalidArgumentError } from "../../errors.js";
import { getRequestKey, inTransaction, insertRequestKey, type Database, type RequestKey, type StoredRequest } from "../../persistence/index.js";

/**
 * How long a key is remembered at least; the daily cleanup deletes older ones (see `deleteRequestKeysBefore`), so
 * a repeat after that may run the call again.
 */
export const REQUEST_KEY_TTL_MS = 24 * 3600_000;

/** A UUID fits; so does any other short opaque token, which keeps hand-written keys in scripts usable. */
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The key of a call: undefined when `requestId` is empty (no idempotency asked for), else the key of this user and
 * RPC. A malformed id is INVALID_ARGUMENT naming `field`.
 */
export function requestKeyOf(user: UserPrincipal, method: string, requestId: string, field = "request_id"): RequestKey | undefined {
  if (requestId === "") return undefined;
  if (!REQUEST_ID.test(requestId)) {
    throw new InvalidArgumentError(field, "must be 1 to 64 letters, digits, '-' or '_', such as a UUID");
  }
  return { userId: user.userId, method, requestId };
}

/** The stored result of an earlier call with this key, if there was one. */
export async function findRequest(db: Kysely<Database>, key: RequestKey | undefined): Promise<StoredRequest | undefined> {
  return key === undefined ? undefined : getRequestKey(db, key);
}

/** Either this call did the work, or a concurrent call with the same key did it first. */
export type OnceOutcome<T> = { readonly first: true; readonly value: T } | { readonly first: false; readonly stored: StoredRequest };

/** Rolls back the transaction of a call whose key a concurrent call stored first. */
class RequestKeyTaken extends Error {
  override readonly name = "RequestKeyTaken";
}

/**
 * Runs `work` in a transaction that also stores `key` with the resource names of the response (`resources` of
 * the value). When a concurrent call stored the key first, everything `work` wrote is rolled back and the first
 * call's stored result is returned instead. Without a key this is a plain transaction.
 */
export async function inTransactionOnce<T>(
  db: Kysely<Database>,
  key: RequestKey | undefined,
  now: number,
  work: (trx: Kysely<Database>) => Promise<T>,
  resources: (value: T) => readonly string[],
): Promise<OnceOutcome<T>> {
  try {
    const value = await inTransaction(db, async (trx) => {
      const result = await work(trx);
      if (key !== undefined && !(await insertRequestKey(trx, key, resources(result), now))) throw new RequestKeyTaken();
      return result;
    });
    return { first: true, value };
  } catch (error) {
    if (!(error instanceof RequestKeyTaken) || key === undefined) throw error;
  }
  const stored = await getRequestKey(db, key);
  // Only possible when the winner's key was deleted in between (it would have to be a day old): let the client retry.
  if (stored === undefined) throw new AbortedError(`request_id "${key.requestId}" was used by a concurrent call; retry`);
  return { first: false, stored };
}
