import { sql, type Insertable, type Kysely, type Selectable, type SqlBool } from "kysely";
import {
  ALARM_STATES,
  RUN_STATES,
  TRIGGER_STATES,
  TRIGGER_TYPES,
  type AlarmState,
  type Run,
  type RunState,
  type TriggerReport,
  type TriggerState,
} from "../../domain/index.js";
import { insertRowsReturningIds } from "../bulk-insert.js";
import { bulkUpdate, chunks } from "../bulk-update.js";
import { dialectOf, fromFlag, insertAndGetId, toFlag, toNumber } from "../dialect.js";
import { checkPageRequest, EMPTY_PAGE, toPage, type Page, type PageRequest } from "../paging.js";
import { enumValue, int, jsonObject } from "../row-values.js";
import type { Database, RunTable } from "../tables/index.js";

/** The fields of a new run; it starts PENDING with no trigger result, no handle result and no alarm. */
export type NewRun = Pick<
  Run,
  | "jobId"
  | "groupId"
  | "fireId"
  | "triggerType"
  | "scheduledTime"
  | "triggerTime"
  | "executorAddress"
  | "handler"
  | "param"
  | "shardIndex"
  | "shardTotal"
  | "attempt"
  | "retriesLeft"
  | "originRunId"
> &
  Partial<Pick<Run, "batchId">>;

/** The outcome of calling the executor's Run. */
export interface TriggerOutcome {
  readonly triggerState: TriggerState;
  readonly executorAddress: string;
  readonly triggerReport: TriggerReport;
  /** RUNNING when the executor accepted the run, FAILED when it could not be dispatched. */
  readonly state: RunState;
  readonly deadlineTime: number;
}

/** The handler's outcome, as an executor reports it (or as the admin decides on a timeout or lost executor). */
export interface RunCompletion {
  readonly state: RunState;
  readonly handleMessage: string;
  readonly handleTime: number;
  readonly retryable: boolean;
}

export interface RunFilter {
  /** Only runs of these groups; an empty list matches nothing. */
  readonly groupIds?: readonly number[];
  readonly jobId?: number;
  /** Only runs in one of these states; an empty list matches nothing. */
  readonly states?: readonly RunState[];
  /** Trigger time bounds, inclusive. */
  readonly triggerTimeFrom?: number;
  readonly triggerTimeTo?: number;
}

export async function insertRun(db: Kysely<Database>, run: NewRun): Promise<Run> {
  const id = await insertAndGetId(db, db.insertInto("jw_run").values(newRunRow(run)));
  return createdRun(run, id);
}

/** Rows per multi-row INSERT: 25 columns × 400 rows stays far below every dialect's bound-parameter limit. */
const INSERT_RUNS_CHUNK = 400;

/**
 * Inserts runs with one multi-row INSERT per chunk and returns them in input order with their ids. PostgreSQL
 * and SQLite return the ids (RETURNING), assigned in VALUES order within one statement, so sorting them restores
 * the input order. MySQL has no usable RETURNING; see `consecutiveIdStep`.
 */
export async function insertRuns(db: Kysely<Database>, runs: readonly NewRun[]): Promise<Run[]> {
  const dialect = dialectOf(db);
  const mysqlStep = dialect === "mysql" ? await consecutiveIdStep(db) : undefined;
  if (runs.length === 1 || mysqlStep === null) {
    const out: Run[] = [];
    for (const run of runs) out.push(await insertRun(db, run));
    return out;
  }
  const out: Run[] = [];
  for (let start = 0; start < runs.length; start += INSERT_RUNS_CHUNK) {
    const chunk = runs.slice(start, start + INSERT_RUNS_CHUNK);
    const ids = await insertRowsReturningIds(db, "jw_run", chunk.map(newRunRow), mysqlStep);
    chunk.forEach((run, i) => out.push(createdRun(run, ids[i] ?? 0)));
  }
  return out;
}

const idSteps = new WeakMap<object, Promise<number | null>>();

/**
 * On MySQL/MariaDB a multi-row INSERT reports only the first id. InnoDB gives the rows of one such statement
 * consecutive ids (spaced by auto_increment_increment) unless innodb_autoinc_lock_mode is 2 ("interleaved"),
 * so the step is read once per database and null means "insert row by row".
 */
function consecutiveIdStep(db: Kysely<Database>): Promise<number | null> {
  // The adapter is shared by a Kysely instance and its transactions, so the step is read once per database.
  const key = db.getExecutor().adapter;
  let step = idSteps.get(key);
  if (step === undefined) {
    step = sql<{ mode: unknown; step: unknown }>`select @@innodb_autoinc_lock_mode as mode, @@auto_increment_increment as step`
      .execute(db)
      .then(({ rows }) => {
        const row = rows[0];
        if (row === undefined || toNumber(row.mode) === 2) return null;
        return toNumber(row.step);
      })
      .catch(() => null);
    idSteps.set(key, step);
  }
  return step;
}

function newRunRow(run: NewRun): Insertable<RunTable> & Omit<Selectable<RunTable>, "id"> {
  return {
    job_id: run.jobId,
    group_id: run.groupId,
    fire_id: run.fireId,
    trigger_type: run.triggerType,
    scheduled_time: run.scheduledTime,
    trigger_time: run.triggerTime,
    executor_address: run.executorAddress,
    handler: run.handler,
    param: run.param,
    shard_index: run.shardIndex,
    shard_total: run.shardTotal,
    attempt: run.attempt,
    retries_left: run.retriesLeft,
    origin_run_id: run.originRunId,
    trigger_state: "PENDING",
    trigger_report: null,
    state: "PENDING",
    deadline_time: 0,
    handle_time: 0,
    handle_message: "",
    retryable: 1,
    alarm_state: "NONE",
    update_time: run.triggerTime,
    batch_id: run.batchId ?? 0,
    missed_beats: 0,
  };
}

/**
 * A run as `newRunRow` stores it, built directly (a burst creates thousands; converting their rows back costs). Field
 * by field rather than `{ ...run, … }`: on Node 20 a literal that spreads an object and then adds keys it lacks
 * leaves V8's fast path and costs microseconds, for every run.
 */
function createdRun(run: NewRun, id: number): Run {
  const batchId = run.batchId ?? 0;
  return {
    id,
    jobId: run.jobId,
    groupId: run.groupId,
    fireId: run.fireId,
    triggerType: run.triggerType,
    scheduledTime: run.scheduledTime,
    triggerTime: run.triggerTime,
    executorAddress: run.executorAddress,
    handler: run.handler,
    param: run.param,
    shardIndex: run.shardIndex,
    shardTotal: run.shardTotal,
    attempt: run.attempt,
    retriesLeft: run.retriesLeft,
    originRunId: run.originRunId,
    triggerState: "PENDING",
    triggerReport: null,
    state: "PENDING",
    deadlineTime: 0,
    handleTime: 0,
    handleMessage: "",
    retryable: true,
    alarmState: "NONE",
    updateTime: run.triggerTime,
    batchId: batchId === 0 ? id : batchId,
    missedBeats: 0,
  };
}

export async function getRun(db: Kysely<Database>, id: number): Promise<Run | undefined> {
  const row = await db.selectFrom("jw_run").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : rowToRun(row);
}

/** Lists runs newest first: descending id, and the next page continues below the cursor. */
export async function listRuns(db: Kysely<Database>, filter: RunFilter, page: PageRequest): Promise<Page<Run>> {
  checkPageRequest(page);
  if (matchesNothing(filter)) return EMPTY_PAGE;
  let query = filtered(db, filter).selectAll();
  if (page.cursor !== undefined) query = query.where("id", "<", page.cursor);
  const rows = await query.orderBy("id", "desc").limit(page.limit + 1).execute();
  return toPage(rows.map(rowToRun), page.limit);
}

/** Counts matching runs per state; states without runs count 0. */
export async function countRunsByState(db: Kysely<Database>, filter: RunFilter): Promise<Record<RunState, number>> {
  const counts = Object.fromEntries(RUN_STATES.map((state) => [state, 0])) as Record<RunState, number>;
  if (matchesNothing(filter)) return counts;
  const rows = await filtered(db, filter)
    .select((eb) => ["state", eb.fn.countAll().as("n")])
    .groupBy("state")
    .execute();
  for (const row of rows) counts[enumValue(RUN_STATES, row.state, "jw_run.state")] = toNumber(row.n);
  return counts;
}

/**
 * Records the trigger result once: only a run whose trigger is still PENDING changes, so a second record is a
 * no-op and returns false. The run state moves to `outcome.state` only if it is still PENDING, because a fast
 * handler's result may arrive (and finish the run) before the executor's answer to Run does; the trigger
 * report is kept either way.
 */
export async function markRunTriggered(db: Kysely<Database>, id: number, outcome: TriggerOutcome, now: number): Promise<boolean> {
  return (await markRunsTriggered(db, [{ id, outcome }], now)) > 0;
}

/**
 * Records accepted (or failed) trigger results of many runs with one UPDATE per chunk and returns how many changed
 * (`markRunTriggered` is the same for one run): only runs whose trigger is still PENDING change, and the run state
 * moves only from PENDING, because a fast handler's result may have finished the run before the executor's answer
 * to `Run` arrived.
 */
export async function markRunsTriggered(trx: Kysely<Database>, items: readonly { readonly id: number; readonly outcome: TriggerOutcome }[], now: number): Promise<number> {
  let updated = 0;
  // Ascending ids: concurrent writers lock rows in the same order.
  for (const chunk of chunks([...items].sort((a, b) => a.id - b.id))) {
    const { count } = await bulkUpdate(trx, {
      table: "jw_run",
      rows: chunk,
      id: (item) => item.id,
      values: {
        trigger_state: { type: "text", of: (item) => item.outcome.triggerState },
        executor_address: { type: "text", of: (item) => item.outcome.executorAddress },
        trigger_report: { type: "text", of: (item) => JSON.stringify(item.outcome.triggerReport) },
        state: { type: "text", of: (item) => item.outcome.state },
        deadline_time: { type: "bigint", of: (item) => item.outcome.deadlineTime },
      },
      set: (value, current) => ({
        trigger_state: value("trigger_state"),
        executor_address: value("executor_address"),
        trigger_report: value("trigger_report"),
        state: sql`case when ${current("state")} = ${"PENDING"} then ${value("state")} else ${current("state")} end`,
        deadline_time: value("deadline_time"),
        update_time: now,
      }),
      where: (_, current) => sql<SqlBool>`${current("trigger_state")} = ${"PENDING"}`,
    });
    updated += count;
  }
  return updated;
}

/**
 * Stores a run's final outcome. Only a PENDING or RUNNING run changes, so a duplicate callback (a result sent
 * again after a lost ack) changes nothing and returns false.
 */
export async function completeRun(db: Kysely<Database>, id: number, completion: RunCompletion): Promise<boolean> {
  const result = await db
    .updateTable("jw_run")
    .set({
      state: completion.state,
      handle_message: completion.handleMessage,
      handle_time: completion.handleTime,
      retryable: toFlag(completion.retryable),
      update_time: completion.handleTime,
    })
    .where("id", "=", id)
    .where("state", "in", ["PENDING", "RUNNING"])
    .executeTakeFirst();
  return toNumber(result.numUpdatedRows) > 0;
}

/**
 * Moves a run's alarm state from `from` to `to` only if it is still `from`; e.g. NONE → CLAIMED lets exactly
 * one admin send a run's alarm.
 */
export async function setRunAlarmState(db: Kysely<Database>, id: number, from: AlarmState, to: AlarmState, now: number): Promise<boolean> {
  const result = await db
    .updateTable("jw_run")
    .set({ alarm_state: to, update_time: now })
    .where("id", "=", id)
    .where("alarm_state", "=", from)
    .executeTakeFirst();
  return toNumber(result.numUpdatedRows) > 0;
}

function matchesNothing(filter: RunFilter): boolean {
  return filter.groupIds?.length === 0 || filter.states?.length === 0;
}

function filtered(db: Kysely<Database>, filter: RunFilter) {
  let query = db.selectFrom("jw_run");
  if (filter.groupIds !== undefined) query = query.where("group_id", "in", [...filter.groupIds]);
  if (filter.jobId !== undefined) query = query.where("job_id", "=", filter.jobId);
  if (filter.states !== undefined) query = query.where("state", "in", [...filter.states]);
  if (filter.triggerTimeFrom !== undefined) query = query.where("trigger_time", ">=", filter.triggerTimeFrom);
  if (filter.triggerTimeTo !== undefined) query = query.where("trigger_time", "<=", filter.triggerTimeTo);
  return query;
}

/** Converts a `jw_run` row; shared with the run-lifecycle repository. */
export function rowToRun(row: Selectable<RunTable>): Run {
  const column = (name: string): string => `jw_run.${name}`;
  return {
    id: int(row.id),
    jobId: int(row.job_id),
    groupId: int(row.group_id),
    fireId: int(row.fire_id),
    triggerType: enumValue(TRIGGER_TYPES, row.trigger_type, column("trigger_type")),
    scheduledTime: int(row.scheduled_time),
    triggerTime: int(row.trigger_time),
    executorAddress: row.executor_address,
    handler: row.handler,
    param: row.param,
    shardIndex: int(row.shard_index),
    shardTotal: int(row.shard_total),
    attempt: int(row.attempt),
    retriesLeft: int(row.retries_left),
    originRunId: int(row.origin_run_id),
    triggerState: enumValue(TRIGGER_STATES, row.trigger_state, column("trigger_state")),
    triggerReport: row.trigger_report === null ? null : jsonObject<TriggerReport>(row.trigger_report, column("trigger_report")),
    state: enumValue(RUN_STATES, row.state, column("state")),
    deadlineTime: int(row.deadline_time),
    handleTime: int(row.handle_time),
    handleMessage: row.handle_message,
    retryable: fromFlag(row.retryable),
    alarmState: enumValue(ALARM_STATES, row.alarm_state, column("alarm_state")),
    updateTime: int(row.update_time),
    batchId: batchIdOf(row),
    missedBeats: int(row.missed_beats),
  };
}

/** Which runs a clear may touch; every bound narrows it. Unfinished runs are never deleted whatever the scope. */
export interface RunClearScope {
  /** Only runs of these groups; an empty list matches nothing. */
  readonly groupIds?: readonly number[];
  readonly jobId?: number;
  /** Only runs triggered before this instant. */
  readonly triggeredBefore?: number;
  /** Only runs with a smaller id (older runs: ids grow with time). */
  readonly idBelow?: number;
}

/**
 * Deletes at most `limit` finished runs of the scope, oldest first, and returns how many went. Callers loop until
 * it returns less than `limit`, one short transaction per batch, so that a large clear never holds locks on the
 * run table for long. PENDING and RUNNING runs are excluded in the delete itself (not only in the selection), so
 * a run that an executor is still working on is never removed, even one that changed state in between.
 */
export async function deleteFinishedRuns(db: Kysely<Database>, scope: RunClearScope, limit: number): Promise<number> {
  if (scope.groupIds?.length === 0) return 0;
  let query = db.selectFrom("jw_run").select("id").where("state", "not in", ["PENDING", "RUNNING"]);
  if (scope.groupIds !== undefined) query = query.where("group_id", "in", [...scope.groupIds]);
  if (scope.jobId !== undefined) query = query.where("job_id", "=", scope.jobId);
  if (scope.triggeredBefore !== undefined) query = query.where("trigger_time", "<", scope.triggeredBefore);
  if (scope.idBelow !== undefined) query = query.where("id", "<", scope.idBelow);
  const ids = (await query.orderBy("id").limit(limit).execute()).map((row) => row.id);
  if (ids.length === 0) return 0;
  const result = await db.deleteFrom("jw_run").where("id", "in", ids).where("state", "not in", ["PENDING", "RUNNING"]).executeTakeFirst();
  return toNumber(result.numDeletedRows);
}

/** The id of the `n`-th newest run (1-based) of the groups/job, or undefined when there are fewer runs. */
export async function nthNewestRunId(db: Kysely<Database>, scope: Pick<RunClearScope, "groupIds" | "jobId">, n: number): Promise<number | undefined> {
  if (scope.groupIds?.length === 0 || n < 1) return undefined;
  let query = db.selectFrom("jw_run").select("id");
  if (scope.groupIds !== undefined) query = query.where("group_id", "in", [...scope.groupIds]);
  if (scope.jobId !== undefined) query = query.where("job_id", "=", scope.jobId);
  const row = await query.orderBy("id", "desc").limit(1).offset(n - 1).executeTakeFirst();
  return row === undefined ? undefined : toNumber(row.id);
}

/**
 * Counts matching runs per time bucket and state in one query: bucket i holds the runs triggered in
 * [bounds[i], bounds[i + 1]). The bounds come from the caller (e.g. the starts of local days, which daylight
 * saving makes unequal), so the bucketing is a CASE over them rather than date arithmetic that differs per
 * dialect. Runs outside [bounds[0], last bound) are not counted.
 */
export async function countRunsByBucket(
  db: Kysely<Database>,
  filter: Omit<RunFilter, "triggerTimeFrom" | "triggerTimeTo">,
  bounds: readonly number[],
): Promise<{ bucket: number; state: RunState; count: number }[]> {
  const first = bounds[0];
  const last = bounds[bounds.length - 1];
  if (first === undefined || last === undefined || bounds.length < 2 || matchesNothing(filter)) return [];
  const whens = bounds.slice(1).map((bound, i) => sql`when ${sql.ref("trigger_time")} < ${bound} then ${i}`);
  const bucket = sql<number>`case ${sql.join(whens, sql` `)} else ${-1} end`;
  const rows = await filtered(db, { ...filter, triggerTimeFrom: first })
    .where("trigger_time", "<", last)
    .select((eb) => [bucket.as("bucket"), "state", eb.fn.countAll().as("n")])
    // By position: PostgreSQL would not match a repeated CASE, whose bound values become new parameters.
    .groupBy([sql`1`, sql`2`])
    .execute();
  return rows.map((row) => ({ bucket: toNumber(row.bucket), state: enumValue(RUN_STATES, row.state, "jw_run.state"), count: toNumber(row.n) }));
}

/** A run's batch: the one it is a shard of, or itself (stored as 0) when it is not a shard of another run. */
export function batchIdOf(row: Pick<Selectable<RunTable>, "id" | "batch_id">): number {
  return int(row.batch_id) === 0 ? int(row.id) : int(row.batch_id);
}
