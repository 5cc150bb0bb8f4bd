import { randomUUID } from "node:crypto";
import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import {
  BLOCK_STRATEGIES,
  GLUE_TYPES,
  JOB_STATES,
  MISFIRE_STRATEGIES,
  ROUTE_STRATEGIES,
  SCHEDULE_TYPES,
  type Job,
  type JobDefinition,
  type JobState,
} from "../../domain/index.js";
import { pickDefinition } from "../../jobs/job-definition.js";
import { containsText, inList, insertAndGetId, toNumber } from "../dialect.js";
import { checkPageRequest, EMPTY_PAGE, toPage, type Page, type PageRequest } from "../paging.js";
import { enumValue, int, numberList, stringList, toJson } from "../row-values.js";
import type { Database, JobTable } from "../tables/index.js";
import { inTransaction } from "../transaction.js";
import { retryPolicyOf } from "./job-hot-path.repository.js";

/** A new job: its definition and initial GLUE source. It starts STOPPED with no fire planned. */
export type NewJob = JobDefinition & Pick<Job, "glueSource" | "glueRemark">;

/** Changeable fields of a job. A change of GLUE type or source moves `glueUpdateTime`, so executors rebuild. */
export type JobPatch = Partial<NewJob>;

/** The scheduler's fields of a job. */
export type JobSchedule = Pick<Job, "state" | "nextFireTime" | "lastFireTime">;

export interface JobFilter {
  /** Only jobs of these groups; an empty list matches nothing. */
  readonly groupIds?: readonly number[];
  readonly state?: JobState;
  /** Case-insensitive substrings. */
  readonly nameContains?: string;
  readonly handlerContains?: string;
  readonly authorContains?: string;
}

/** How often `updateJob` without an expected version re-reads and retries after losing a race. */
const UPDATE_ATTEMPTS = 5;

/** Runs of a deleted job are deleted this many at a time, so no single statement grows with the job's history. */
const DELETE_BATCH = 5_000;

/**
 * Inserts a stopped job. `uid` is its identity across installations (see migration 0004): a fresh random one for
 * a new job, the export key for an imported one.
 */
export async function insertJob(db: Kysely<Database>, job: NewJob, now: number, uid: string = randomUUID()): Promise<Job> {
  const row: Insertable<JobTable> & { uid: string } = {
    uid,
    ...definitionColumns(job),
    glue_source: job.glueSource,
    glue_remark: job.glueRemark,
    glue_update_time: now,
    state: "STOPPED",
    last_fire_time: 0,
    next_fire_time: 0,
    version: 1,
    create_time: now,
    update_time: now,
  };
  const id = await insertAndGetId(db, db.insertInto("jw_job").values(row));
  return rowToJob({ ...row, id });
}

/** The uids of jobs by id (unknown ids are absent). */
export async function getJobUids(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 1_000) {
    const rows = await db.selectFrom("jw_job").select(["id", "uid"]).where("id", "in", ids.slice(i, i + 1_000)).execute();
    for (const row of rows) if (row.uid !== null) out.set(int(row.id), row.uid);
  }
  return out;
}

/** Jobs by uid (unknown uids are absent). */
export async function getJobsByUid(db: Kysely<Database>, uids: readonly string[]): Promise<Map<string, Job>> {
  const out = new Map<string, Job>();
  for (let i = 0; i < uids.length; i += 1_000) {
    const rows = await db.selectFrom("jw_job").selectAll().where("uid", "in", uids.slice(i, i + 1_000)).execute();
    for (const row of rows) if (row.uid !== null) out.set(row.uid, rowToJob(row));
  }
  return out;
}

/**
 * Ids of the jobs that list `childId` among their child jobs. The list is stored as compact JSON (`[1,2,3]`), so
 * the four LIKE patterns below match the id exactly, never a longer id that merely contains its digits.
 */
export async function listParentJobIds(db: Kysely<Database>, childId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("jw_job")
    .select("id")
    .where((eb) =>
      eb.or([
        eb("child_job_ids", "=", `[${childId}]`),
        eb("child_job_ids", "like", `[${childId},%`),
        eb("child_job_ids", "like", `%,${childId}]`),
        eb("child_job_ids", "like", `%,${childId},%`),
      ]),
    )
    .orderBy("id")
    .execute();
  return rows.map((r) => int(r.id));
}

/**
 * Replaces the GLUE source of a job as a new version: the type (when given), source and remark change, the
 * version is incremented and `glueUpdateTime` always moves forward (at least 1 ms past the previous stamp, even
 * when two saves share a millisecond), because executors rebuild a script exactly when that stamp changes.
 */
export async function setJobGlueSource(
  db: Kysely<Database>,
  id: number,
  glue: Pick<Job, "glueSource" | "glueRemark"> & Partial<Pick<Job, "glueType">>,
  now: number,
): Promise<Job | undefined> {
  return inTransaction(db, async (trx) => {
    const current = await getJob(trx, id);
    if (current === undefined) return undefined;
    const glueUpdateTime = Math.max(now, current.glueUpdateTime + 1);
    await trx
      .updateTable("jw_job")
      .set({
        glue_type: glue.glueType ?? current.glueType,
        glue_source: glue.glueSource,
        glue_remark: glue.glueRemark,
        glue_update_time: glueUpdateTime,
        version: current.version + 1,
        update_time: now,
      })
      .where("id", "=", id)
      .execute();
    return getJob(trx, id);
  });
}

export async function getJob(db: Kysely<Database>, id: number): Promise<Job | undefined> {
  const row = await db.selectFrom("jw_job").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : rowToJob(row);
}

/** Reads jobs by id (unknown ids are absent from the result). */
export async function getJobs(db: Kysely<Database>, ids: readonly number[]): Promise<Job[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom("jw_job").selectAll().where(inList(db, "id", ids)).execute();
  return rows.map(rowToJob);
}

/** Lists jobs in ascending id order (keyset paging on id). */
export async function listJobs(db: Kysely<Database>, filter: JobFilter, page: PageRequest): Promise<Page<Job>> {
  checkPageRequest(page);
  if (filter.groupIds !== undefined && filter.groupIds.length === 0) return EMPTY_PAGE;
  let query = filtered(db, filter).selectAll();
  if (page.cursor !== undefined) query = query.where("id", ">", page.cursor);
  const rows = await query.orderBy("id", "asc").limit(page.limit + 1).execute();
  return toPage(rows.map(rowToJob), page.limit);
}

export async function countJobs(db: Kysely<Database>, filter: JobFilter): Promise<number> {
  if (filter.groupIds !== undefined && filter.groupIds.length === 0) return 0;
  const row = await filtered(db, filter).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
  return toNumber(row.n);
}

export function countJobsInGroup(db: Kysely<Database>, groupId: number): Promise<number> {
  return countJobs(db, { groupIds: [groupId] });
}

/**
 * Applies a patch and increments the version. With `expectedVersion`, the update happens only if the job still
 * has that version (optimistic concurrency); otherwise undefined is returned, as it is for a missing job.
 * The write is a compare-and-set on the version read just before, so a concurrent change is never overwritten
 * unseen; without `expectedVersion` a lost race is retried on the fresh row.
 */
export async function updateJob(db: Kysely<Database>, id: number, patch: JobPatch, now: number, expectedVersion?: number): Promise<Job | undefined> {
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const current = await getJob(db, id);
    if (current === undefined) return undefined;
    if (expectedVersion !== undefined && current.version !== expectedVersion) return undefined;
    const glueChanged =
      (patch.glueType !== undefined && patch.glueType !== current.glueType) ||
      (patch.glueSource !== undefined && patch.glueSource !== current.glueSource);
    const next: Job = {
      ...current,
      ...pickDefinition({ ...current, ...patch }),
      glueSource: patch.glueSource ?? current.glueSource,
      glueRemark: patch.glueRemark ?? current.glueRemark,
      glueUpdateTime: glueChanged ? now : current.glueUpdateTime,
      version: current.version + 1,
      updateTime: now,
    };
    const set: Updateable<JobTable> = {
      ...definitionColumns(next),
      glue_source: next.glueSource,
      glue_remark: next.glueRemark,
      glue_update_time: next.glueUpdateTime,
      version: next.version,
      update_time: now,
    };
    const result = await db.updateTable("jw_job").set(set).where("id", "=", id).where("version", "=", current.version).executeTakeFirst();
    if (toNumber(result.numUpdatedRows) > 0) return next;
    if (expectedVersion !== undefined) return undefined;
  }
  throw new Error(`job ${id} kept changing concurrently; gave up after ${UPDATE_ATTEMPTS} attempts`);
}

/**
 * Sets the scheduler's fields (Start, Stop, the next planned fire). They are not part of the definition, so the
 * version is not incremented: a running scheduler never invalidates the etag a user is editing with.
 */
export async function setJobSchedule(db: Kysely<Database>, id: number, schedule: JobSchedule, now: number): Promise<Job | undefined> {
  const result = await db
    .updateTable("jw_job")
    .set({ state: schedule.state, next_fire_time: schedule.nextFireTime, last_fire_time: schedule.lastFireTime, update_time: now })
    .where("id", "=", id)
    .executeTakeFirst();
  if (toNumber(result.numUpdatedRows) === 0) return undefined;
  return getJob(db, id);
}

/**
 * FIX_DELAY: sets the next fire of a RUNNING job that is waiting for its previous run to finish (next fire 0).
 * Returns false when the job was stopped or already rescheduled in the meantime.
 */
export async function resumeDelayedJob(db: Kysely<Database>, id: number, nextFireTime: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable("jw_job")
    .set({ next_fire_time: nextFireTime, update_time: now })
    .where("id", "=", id)
    .where("state", "=", "RUNNING")
    .where("schedule_type", "=", "FIX_DELAY")
    .where("next_fire_time", "=", 0)
    .executeTakeFirst();
  return toNumber(result.numUpdatedRows) > 0;
}

/**
 * Deletes a job with its runs, planned fires and GLUE versions, atomically (joining the caller's transaction);
 * returns whether the job existed. Runs go in batches of ids so that a job with a long history never makes one
 * huge statement.
 */
export function deleteJob(db: Kysely<Database>, id: number): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    for (;;) {
      const batch = await trx.selectFrom("jw_run").select("id").where("job_id", "=", id).orderBy("id").limit(DELETE_BATCH).execute();
      if (batch.length === 0) break;
      await trx.deleteFrom("jw_run").where("id", "in", batch.map((r) => int(r.id))).execute();
      if (batch.length < DELETE_BATCH) break;
    }
    await trx.deleteFrom("jw_planned_fire").where("job_id", "=", id).execute();
    await trx.deleteFrom("jw_glue_version").where("job_id", "=", id).execute();
    const result = await trx.deleteFrom("jw_job").where("id", "=", id).executeTakeFirst();
    return toNumber(result.numDeletedRows) > 0;
  });
}

function filtered(db: Kysely<Database>, filter: JobFilter) {
  let query = db.selectFrom("jw_job");
  if (filter.groupIds !== undefined) query = query.where("group_id", "in", [...filter.groupIds]);
  if (filter.state !== undefined) query = query.where("state", "=", filter.state);
  if (filter.nameContains !== undefined) query = query.where(containsText("name", filter.nameContains));
  if (filter.handlerContains !== undefined) query = query.where(containsText("handler", filter.handlerContains));
  if (filter.authorContains !== undefined) query = query.where(containsText("author", filter.authorContains));
  return query;
}

function definitionColumns(job: JobDefinition) {
  return {
    group_id: job.groupId,
    name: job.name,
    description: job.description,
    author: job.author,
    alarm_emails: toJson(job.alarm.emails),
    alarm_webhook_urls: toJson(job.alarm.webhookUrls),
    schedule_type: job.scheduleType,
    schedule_conf: job.scheduleConf,
    time_zone: job.timeZone,
    misfire_strategy: job.misfireStrategy,
    route_strategy: job.routeStrategy,
    handler: job.handler,
    param: job.param,
    block_strategy: job.blockStrategy,
    concurrency: job.concurrency,
    timeout_seconds: job.timeoutSeconds,
    retry_count: job.retry.count,
    retry_backoff: job.retry.backoff,
    retry_interval_ms: job.retry.intervalMs,
    retry_max_interval_ms: job.retry.maxIntervalMs,
    glue_type: job.glueType,
    child_job_ids: toJson(job.childJobIds),
  };
}

function rowToJob(row: Selectable<JobTable>): Job {
  const column = (name: string): string => `jw_job.${name}`;
  return {
    id: int(row.id),
    groupId: int(row.group_id),
    name: row.name,
    description: row.description,
    author: row.author,
    alarm: {
      emails: stringList(row.alarm_emails, column("alarm_emails")),
      webhookUrls: stringList(row.alarm_webhook_urls, column("alarm_webhook_urls")),
    },
    scheduleType: enumValue(SCHEDULE_TYPES, row.schedule_type, column("schedule_type")),
    scheduleConf: row.schedule_conf,
    timeZone: row.time_zone,
    misfireStrategy: enumValue(MISFIRE_STRATEGIES, row.misfire_strategy, column("misfire_strategy")),
    routeStrategy: enumValue(ROUTE_STRATEGIES, row.route_strategy, column("route_strategy")),
    handler: row.handler,
    param: row.param,
    blockStrategy: enumValue(BLOCK_STRATEGIES, row.block_strategy, column("block_strategy")),
    concurrency: int(row.concurrency),
    timeoutSeconds: int(row.timeout_seconds),
    retry: retryPolicyOf(row),
    glueType: enumValue(GLUE_TYPES, row.glue_type, column("glue_type")),
    glueSource: row.glue_source,
    glueRemark: row.glue_remark,
    glueUpdateTime: int(row.glue_update_time),
    childJobIds: numberList(row.child_job_ids, column("child_job_ids")),
    state: enumValue(JOB_STATES, row.state, column("state")),
    lastFireTime: int(row.last_fire_time),
    nextFireTime: int(row.next_fire_time),
    version: int(row.version),
    createTime: int(row.create_time),
    updateTime: int(row.update_time),
  };
}
