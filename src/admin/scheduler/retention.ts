import type { Kysely } from "kysely";
import { deleteDispatchedFiresBefore, deleteFinishedRunsBefore, deleteRequestKeysBefore, getLease, releaseLease, tryAcquireLease, type Database } from "../persistence/index.js";
import type { Logger } from "../../shared/logger.js";

const DAY_MS = 24 * 3600_000;
/** Rows deleted per statement: small enough that no statement holds locks for long on a busy database. */
const DELETE_BATCH = 1_000;
const LEASE_NAME = "retention";
/** Idempotency keys of CreateJob/TriggerJob are honoured for at least this long (the contract says 24 h). */
const REQUEST_KEY_TTL_MS = DAY_MS;
/**
 * A dispatched planned fire is kept this long past its lease. After its dispatch it only guards its (job, instant)
 * key against being planned a second time, which needs a schedule to come back to that instant: planning only moves
 * a job's next fire time forward, and a restart or an edit computes it from the present, so a day covers any
 * clock difference between admins with a wide margin. Keeping fires as long as runs would double what the
 * scheduler stores and make every insert into the fires' unique key slower as the table grows.
 */
const DISPATCHED_FIRE_TTL_MS = DAY_MS;

export interface RetentionResult {
  readonly ran: boolean;
  readonly runsDeleted: number;
  readonly firesDeleted: number;
  readonly requestKeysDeleted: number;
}

const NOT_RUN: RetentionResult = { ran: false, runsDeleted: 0, firesDeleted: 0, requestKeysDeleted: 0 };

/** Deletes in batches until a batch comes back short; returns the total. */
async function deleteInBatches(deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await deleteBatch(DELETE_BATCH);
    total += n;
    if (n < DELETE_BATCH) return total;
  }
}

/**
 * Deletes finished runs older than the retention period, planned fires dispatched more than a day ago and
 * idempotency keys older than 24 h, in batches, at most once a day across the cluster: the admin that takes the
 * daily lease does it, the others skip. The lease is kept for the day (not released) because it doubles as the
 * record of when the cleanup last ran. Retention 0 keeps every run, but dispatched fires and request keys still
 * expire.
 */
export async function runRetention(db: Kysely<Database>, nodeId: string, retentionDays: number, now: number, logger: Logger): Promise<RetentionResult> {
  // The holder of an unexpired lease (this admin included) already ran today's cleanup.
  const lease = await getLease(db, LEASE_NAME);
  if (lease !== undefined && lease.expireTime > now) return NOT_RUN;
  if (!(await tryAcquireLease(db, LEASE_NAME, nodeId, DAY_MS, now))) return NOT_RUN;
  const before = now - retentionDays * DAY_MS;
  let runsDeleted = 0;
  let firesDeleted: number;
  let requestKeysDeleted: number;
  try {
    if (retentionDays > 0) runsDeleted = await deleteInBatches((limit) => deleteFinishedRunsBefore(db, before, limit));
    firesDeleted = await deleteInBatches((limit) => deleteDispatchedFiresBefore(db, now - DISPATCHED_FIRE_TTL_MS, limit));
    requestKeysDeleted = await deleteInBatches((limit) => deleteRequestKeysBefore(db, now - REQUEST_KEY_TTL_MS, limit));
  } catch (error) {
    // Give the lease back so that the cleanup is tried again soon rather than tomorrow.
    await releaseLease(db, LEASE_NAME, nodeId).catch(() => false);
    throw error;
  }
  if (runsDeleted + firesDeleted + requestKeysDeleted > 0) logger.info("retention cleanup", { runsDeleted, firesDeleted, requestKeysDeleted, retentionDays });
  return { ran: true, runsDeleted, firesDeleted, requestKeysDeleted };
}
