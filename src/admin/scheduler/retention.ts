import type { Kysely } from "kysely";
import { deleteDispatchedFiresBefore, deleteFinishedRunsBefore, getLease, releaseLease, tryAcquireLease, type Database } from "../persistence/index.js";
import type { Logger } from "../../shared/logger.js";

const DAY_MS = 24 * 3600_000;
/** Rows deleted per statement: small enough that no statement holds locks for long on a busy database. */
const DELETE_BATCH = 1_000;
const LEASE_NAME = "retention";

/**
 * Deletes finished runs (and dispatched planned fires) older than the retention period, in batches, at most once
 * a day across the cluster: the admin that takes the daily lease does it, the others skip. The lease is kept for
 * the day (not released) because it doubles as the record of when the cleanup last ran.
 */
export async function runRetention(
  db: Kysely<Database>,
  nodeId: string,
  retentionDays: number,
  now: number,
  logger: Logger,
): Promise<{ ran: boolean; runsDeleted: number; firesDeleted: number }> {
  if (retentionDays <= 0) return { ran: false, runsDeleted: 0, firesDeleted: 0 };
  // The holder of an unexpired lease (this admin included) already ran today's cleanup.
  const lease = await getLease(db, LEASE_NAME);
  if (lease !== undefined && lease.expireTime > now) return { ran: false, runsDeleted: 0, firesDeleted: 0 };
  if (!(await tryAcquireLease(db, LEASE_NAME, nodeId, DAY_MS, now))) return { ran: false, runsDeleted: 0, firesDeleted: 0 };
  const before = now - retentionDays * DAY_MS;
  let runsDeleted = 0;
  let firesDeleted = 0;
  try {
    for (;;) {
      const n = await deleteFinishedRunsBefore(db, before, DELETE_BATCH);
      runsDeleted += n;
      if (n < DELETE_BATCH) break;
    }
    for (;;) {
      const n = await deleteDispatchedFiresBefore(db, before, DELETE_BATCH);
      firesDeleted += n;
      if (n < DELETE_BATCH) break;
    }
  } catch (error) {
    // Give the lease back so that the cleanup is tried again soon rather than tomorrow.
    await releaseLease(db, LEASE_NAME, nodeId).catch(() => false);
    throw error;
  }
  if (runsDeleted + firesDeleted > 0) logger.info("retention cleanup", { runsDeleted, firesDeleted, retentionDays });
  return { ran: true, runsDeleted, firesDeleted };
}
