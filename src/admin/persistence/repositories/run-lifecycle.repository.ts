import { sql, type Kysely, type SqlBool } from "kysely";
import { TRIGGER_TYPES, type AlarmState, type Run, type RunState } from "../../domain/index.js";
import { bulkUpdate, chunks, type RowValue } from "../bulk-update.js";
import { filterOnly, inList, toFlag, toNumber, updateReturnsRows } from "../dialect.js";
import { enumValue, int } from "../row-values.js";
import { inTransaction } from "../transaction.js";
import type { Database } from "../tables/index.js";
import { batchIdOf, rowToRun, type TriggerOutcome } from "./run.repository.js";

/**
 * The scheduler's queries on runs: finishing them once, and the sweeps that find runs needing the admin's
 * attention (timed out, stuck while dispatching, lost, due an alarm) and old runs to delete.
 */

/** A run's final outcome as the admin stores it. */
export interface RunFinish {
  readonly state: RunState;
  readonly handleMessage: string;
  readonly handleTime: number;
  readonly retryable: boolean;
  /** NONE when the run is due an alarm, SKIPPED when not (it succeeded, or a retry follows). */
  readonly alarmState: AlarmState;
  /** The executor's acceptance, when it was not stored yet: written with the result (only over a PENDING trigger). */
  readonly trigger?: TriggerOutcome;
}

/** States in which a run is over and failed; the ones that retry and alarm. */
export const FAILED_RUN_STATES: readonly RunState[] = ["FAILED", "TIMED_OUT", "LOST"];

/**
 * Finishes a PENDING or RUNNING run; false when it was finished already. It is `finishRuns` for one run:
 * that conditional update is the one place a run becomes final, so a duplicate callback, a late executor result
 * after a timeout, or two admins sweeping the same lost run change nothing the second time.
 */
export async function finishRun(db: Kysely<Database>, id: number, finish: RunFinish): Promise<boolean> {
  return (await inTransaction(db, (trx) => finishRuns(trx, [{ id, finish }]))).has(id);
}

/**
 * `finishRun` for many runs in one transaction (the caller's): returns the ids this call finished. A run listed
 * twice is finished by its first entry. Only runs still PENDING or RUNNING change, re-checked on the latest row
 * version under its row lock, so of two concurrent finishers exactly one finishes a run. Rows are taken in
 * ascending id order (MySQL's `ORDER BY … FOR UPDATE`; on PostgreSQL the order of the VALUES list, which its
 * nested-loop plan follows), so that concurrent finishers do not deadlock each other; were a plan ever to differ,
 * the database would abort one of them, and its caller retries (an executor resends unacknowledged results).
 *
 * PostgreSQL and SQLite do it with one UPDATE … RETURNING per chunk. MySQL/MariaDB cannot return the updated ids,
 * so there the open runs are first locked and read (`FOR UPDATE`), then updated.
 */
export async function finishRuns(trx: Kysely<Database>, items: readonly { readonly id: number; readonly finish: RunFinish }[]): Promise<Set<number>> {
  const done = new Set<number>();
  const byId = new Map<number, RunFinish>();
  for (const item of items) if (!byId.has(item.id)) byId.set(item.id, item.finish);
  const returnsIds = updateReturnsRows(trx);
  for (const ids of chunks([...byId.keys()].sort((a, b) => a - b))) {
    let open = ids;
    if (!returnsIds) {
      open = (await trx.selectFrom("jw_run").select("id").where("id", "in", ids).where(filterOnly("state"), "in", OPEN_STATES).orderBy("id").forUpdate().execute()).map((r) =>
        toNumber(r.id),
      );
      if (open.length === 0) continue;
    }
    const finish = (id: number): RunFinish => byId.get(id) as RunFinish;
    const withTrigger = open.filter((id) => finish(id).trigger !== undefined);
    const plain = withTrigger.length === 0 ? open : open.filter((id) => finish(id).trigger === undefined);
    const updated: number[] = [];
    for (const rows of [plain, withTrigger]) {
      if (rows.length === 0) continue;
      const trigger = (id: number): TriggerOutcome => finish(id).trigger as TriggerOutcome;
      const triggerValues: Record<string, RowValue<number>> =
        rows === withTrigger
          ? {
              trigger_state: { type: "text", of: (id) => trigger(id).triggerState },
              executor_address: { type: "text", of: (id) => trigger(id).executorAddress },
              trigger_report: { type: "text", of: (id) => JSON.stringify(trigger(id).triggerReport) },
              deadline_time: { type: "bigint", of: (id) => trigger(id).deadlineTime },
            }
          : {};
      const result = await bulkUpdate(
        trx,
        {
          table: "jw_run",
          rows,
          id: (id) => id,
          values: {
            state: { type: "text", of: (id) => finish(id).state },
            handle_message: { type: "text", of: (id) => finish(id).handleMessage },
            handle_time: { type: "bigint", of: (id) => finish(id).handleTime },
            retryable: { type: "integer", of: (id) => toFlag(finish(id).retryable) },
            alarm_state: { type: "text", of: (id) => finish(id).alarmState },
            ...triggerValues,
          },
          set: (value, current) => {
            const pendingTrigger = sql`${current("trigger_state")} = ${"PENDING"}`;
            const unlessTriggered = (column: string) => sql`case when ${pendingTrigger} then ${value(column)} else ${current(column)} end`;
            return {
              state: value("state"),
              handle_message: value("handle_message"),
              handle_time: value("handle_time"),
              retryable: value("retryable"),
              alarm_state: value("alarm_state"),
              update_time: value("handle_time"),
              // trigger_state last: MySQL evaluates assignments left to right, each seeing the ones before it.
              ...(rows === withTrigger
                ? {
                    executor_address: unlessTriggered("executor_address"),
                    trigger_report: unlessTriggered("trigger_report"),
                    deadline_time: unlessTriggered("deadline_time"),
                    trigger_state: unlessTriggered("trigger_state"),
                  }
                : {}),
            };
          },
          // The state only re-checks the rows found by id (see filterOnly).
          where: (_, current) => sql<SqlBool>`${filterOnly(current("state"))} in (${sql.join(OPEN_STATES)})`,
        },
        returnsIds,
      );
      updated.push(...result.ids);
    }
    for (const id of returnsIds ? updated : open) done.add(id);
  }
  return done;
}

/** States of a run that is not final yet. */
const OPEN_STATES: RunState[] = ["PENDING", "RUNNING"];

/**
 * What finishing a run needs to know of it: the report day, the retry (attempts left, backoff step), the shard
 * batch and the follow-ups (trigger type, instant). The rest of a run, its trigger report above all, is not read.
 */
export type FinishingRun = Pick<Run, "id" | "jobId" | "groupId" | "triggerType" | "scheduledTime" | "triggerTime" | "retriesLeft" | "attempt" | "shardTotal" | "batchId">;

/**
 * `getRuns` narrowed to what the finisher needs, for the callback path that finishes thousands of runs a second
 * (unknown ids are absent from the result).
 */
export async function getFinishingRuns(db: Kysely<Database>, ids: readonly number[]): Promise<FinishingRun[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("jw_run")
    .select(["id", "job_id", "group_id", "trigger_type", "scheduled_time", "trigger_time", "retries_left", "attempt", "shard_total", "batch_id"])
    .where(inList(db, "id", ids))
    .execute();
  return rows.map((row) => ({
    id: int(row.id),
    jobId: int(row.job_id),
    groupId: int(row.group_id),
    triggerType: enumValue(TRIGGER_TYPES, row.trigger_type, "jw_run.trigger_type"),
    scheduledTime: int(row.scheduled_time),
    triggerTime: int(row.trigger_time),
    retriesLeft: int(row.retries_left),
    attempt: int(row.attempt),
    shardTotal: int(row.shard_total),
    batchId: batchIdOf(row),
  }));
}

/** Reads runs by id (unknown ids are absent from the result). */
export async function getRuns(db: Kysely<Database>, ids: readonly number[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom("jw_run").selectAll().where(inList(db, "id", ids)).execute();
  return rows.map(rowToRun);
}

/** Every run of a batch (all shards of one trigger and their retries), oldest first. */
export async function listBatchRuns(db: Kysely<Database>, batchId: number): Promise<Run[]> {
  const rows = await db
    .selectFrom("jw_run")
    .selectAll()
    .where((eb) => eb.or([eb("batch_id", "=", batchId), eb("id", "=", batchId)]))
    .orderBy("id")
    .execute();
  return rows.map(rowToRun);
}

/** RUNNING runs whose deadline (timeout + grace) has passed by `now`. */
export async function listOverdueRuns(db: Kysely<Database>, now: number, limit: number): Promise<Run[]> {
  const rows = await db
    .selectFrom("jw_run")
    .selectAll()
    .where("state", "=", "RUNNING")
    .where("deadline_time", ">", 0)
    .where("deadline_time", "<=", now)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(rowToRun);
}

/**
 * Runs of a job's schedule (SCHEDULE or MISFIRE) not final yet whose instant is after `now`: dispatched ahead of it
 * and held by their executors, not started.
 */
export async function listUnstartedScheduledRuns(db: Kysely<Database>, jobId: number, now: number, limit: number): Promise<Run[]> {
  const rows = await db
    .selectFrom("jw_run")
    .selectAll()
    .where("job_id", "=", jobId)
    .where("state", "in", OPEN_STATES)
    .where("scheduled_time", ">", now)
    .where("trigger_type", "in", ["SCHEDULE", "MISFIRE"])
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(rowToRun);
}

/** Runs still PENDING although they were triggered before `before`: their admin stopped while dispatching them. */
export async function listStalePendingRuns(db: Kysely<Database>, before: number, limit: number): Promise<Run[]> {
  const rows = await db.selectFrom("jw_run").selectAll().where("state", "=", "PENDING").where("trigger_time", "<", before).orderBy("id").limit(limit).execute();
  return rows.map(rowToRun);
}

/** RUNNING runs, optionally only those accepted at one executor address. */
export async function listRunningRuns(db: Kysely<Database>, filter: { readonly address?: string; readonly triggeredBefore?: number }, limit: number): Promise<Run[]> {
  let query = db.selectFrom("jw_run").selectAll().where("state", "=", "RUNNING");
  if (filter.address !== undefined) query = query.where("executor_address", "=", filter.address);
  if (filter.triggeredBefore !== undefined) query = query.where("trigger_time", "<", filter.triggeredBefore);
  const rows = await query.orderBy("id").limit(limit).execute();
  return rows.map(rowToRun);
}

/** Sets the missed-beat counter of RUNNING runs (0 after a beat listed them, n+1 after one that did not). */
export async function setMissedBeats(db: Kysely<Database>, ids: readonly number[], missedBeats: number): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable("jw_run").set({ missed_beats: missedBeats }).where("id", "in", [...ids]).where("state", "=", "RUNNING").execute();
}

/** Failed runs whose alarm is due (alarm state NONE), oldest first. */
export async function listAlarmDueRuns(db: Kysely<Database>, limit: number): Promise<Run[]> {
  const rows = await db
    .selectFrom("jw_run")
    .selectAll()
    .where("alarm_state", "=", "NONE")
    .where("state", "in", [...FAILED_RUN_STATES])
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(rowToRun);
}

/** Deletes up to `limit` finished runs triggered before `before` (retention); returns how many went. */
export async function deleteFinishedRunsBefore(db: Kysely<Database>, before: number, limit: number): Promise<number> {
  const ids = await db
    .selectFrom("jw_run")
    .select("id")
    .where("trigger_time", "<", before)
    .where("state", "not in", ["PENDING", "RUNNING"])
    .orderBy("id")
    .limit(limit)
    .execute();
  if (ids.length === 0) return 0;
  const result = await db.deleteFrom("jw_run").where("id", "in", ids.map((r) => r.id)).executeTakeFirst();
  return toNumber(result.numDeletedRows);
}
