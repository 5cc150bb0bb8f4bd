/**
 * The scheduler's narrow reads of jobs: claiming due jobs for planning, reading the jobs of a batch of fires to
 * dispatch and of a batch of results to finish. Each reads only the columns its step needs, because these run for
 * every batch of a busy admin, where reading and converting whole job rows (texts, GLUE source, alarm lists) was a
 * measurable share of the admin's and the database's work.
 */
import type { Kysely, Selectable } from "kysely";
import { BLOCK_STRATEGIES, GLUE_TYPES, JOB_STATES, MISFIRE_STRATEGIES, RETRY_BACKOFFS, ROUTE_STRATEGIES, SCHEDULE_TYPES, type Job } from "../../domain/index.js";
import { dialectOf, inList } from "../dialect.js";
import { enumValue, int, numberList } from "../row-values.js";
import type { Database, JobTable } from "../tables/index.js";

/** What dispatching a job's fire reads: its state, routing, handler and what its runs carry to the executor. */
export type DispatchJob = Pick<
  Job,
  "id" | "groupId" | "state" | "handler" | "param" | "routeStrategy" | "blockStrategy" | "concurrency" | "timeoutSeconds" | "glueType" | "glueUpdateTime" | "glueSource" | "retry"
>;

/**
 * `getJobs` narrowed to what dispatching needs (unknown ids are absent from the result): the scheduler reads the
 * jobs of every batch of fires, and their texts, alarm lists and children are not needed for that.
 */
export async function getDispatchJobs(db: Kysely<Database>, ids: readonly number[]): Promise<DispatchJob[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("jw_job")
    .select([
      "id",
      "group_id",
      "state",
      "handler",
      "param",
      "route_strategy",
      "block_strategy",
      "concurrency",
      "timeout_seconds",
      "glue_type",
      "glue_update_time",
      "glue_source",
      "retry_count",
      "retry_backoff",
      "retry_interval_ms",
      "retry_max_interval_ms",
    ])
    .where(inList(db, "id", ids))
    .execute();
  return rows.map((row) => ({
    id: int(row.id),
    groupId: int(row.group_id),
    state: enumValue(JOB_STATES, row.state, "jw_job.state"),
    handler: row.handler,
    param: row.param,
    routeStrategy: enumValue(ROUTE_STRATEGIES, row.route_strategy, "jw_job.route_strategy"),
    blockStrategy: enumValue(BLOCK_STRATEGIES, row.block_strategy, "jw_job.block_strategy"),
    concurrency: int(row.concurrency),
    timeoutSeconds: int(row.timeout_seconds),
    glueType: enumValue(GLUE_TYPES, row.glue_type, "jw_job.glue_type"),
    glueUpdateTime: int(row.glue_update_time),
    glueSource: row.glue_source,
    retry: retryPolicyOf(row),
  }));
}

/** What follows a run's end: its retry policy, its children and a FIX_DELAY schedule's next fire. */
export type JobFollowUps = Pick<Job, "id" | "scheduleType" | "scheduleConf" | "retry" | "childJobIds">;

/**
 * `getJobs` narrowed to what finishing runs needs (unknown ids are absent from the result): the finisher reads
 * the jobs of every batch of results, and a job's GLUE source, alarm lists and texts are not needed for that.
 */
export async function getJobFollowUps(db: Kysely<Database>, ids: readonly number[]): Promise<JobFollowUps[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("jw_job")
    .select(["id", "schedule_type", "schedule_conf", "retry_count", "retry_backoff", "retry_interval_ms", "retry_max_interval_ms", "child_job_ids"])
    .where(inList(db, "id", ids))
    .execute();
  return rows.map((row) => ({
    id: int(row.id),
    scheduleType: enumValue(SCHEDULE_TYPES, row.schedule_type, "jw_job.schedule_type"),
    scheduleConf: row.schedule_conf,
    retry: retryPolicyOf(row),
    childJobIds: numberList(row.child_job_ids, "jw_job.child_job_ids"),
  }));
}

/** What planning a claimed job reads: its schedule, misfire policy and fire times. */
export type DueJob = Pick<Job, "id" | "scheduleType" | "scheduleConf" | "timeZone" | "misfireStrategy" | "nextFireTime" | "lastFireTime">;

/** RUNNING jobs whose next fire is due at or before `dueBefore`, earliest first (ties by id), at most `limit`. */
function dueJobsQuery(db: Kysely<Database>, dueBefore: number, limit: number) {
  return db
    .selectFrom("jw_job")
    .where("state", "=", "RUNNING")
    .where("next_fire_time", ">", 0)
    .where("next_fire_time", "<=", dueBefore)
    .orderBy("next_fire_time")
    .orderBy("id")
    .limit(limit);
}

/**
 * Claims due RUNNING jobs for planning inside the caller's transaction. On MySQL/MariaDB and PostgreSQL the rows
 * are locked with `FOR UPDATE SKIP LOCKED`, so several admins claim disjoint sets in parallel instead of queuing
 * behind one global lock; SQLite has a single writer and needs no row locks. The caller must advance each job
 * (see `applyJobPlans`) before committing.
 */
export async function claimDueJobs(trx: Kysely<Database>, dueBefore: number, limit: number): Promise<DueJob[]> {
  // Only the planning columns: a claim reads a thousand jobs a round, and their texts, GLUE source and alarm lists
  // made `select *` the costliest statement of a busy SQLite admin.
  let query = dueJobsQuery(trx, dueBefore, limit).select(["id", "schedule_type", "schedule_conf", "time_zone", "misfire_strategy", "next_fire_time", "last_fire_time"]);
  if (dialectOf(trx) !== "sqlite") query = query.forUpdate().skipLocked();
  const rows = await query.execute();
  return rows.map((row) => ({
    id: int(row.id),
    scheduleType: enumValue(SCHEDULE_TYPES, row.schedule_type, "jw_job.schedule_type"),
    scheduleConf: row.schedule_conf,
    timeZone: row.time_zone,
    misfireStrategy: enumValue(MISFIRE_STRATEGIES, row.misfire_strategy, "jw_job.misfire_strategy"),
    nextFireTime: int(row.next_fire_time),
    lastFireTime: int(row.last_fire_time),
  }));
}

/** A job's retry policy from its four retry columns; every read of jobs that needs it converts it here. */
export function retryPolicyOf(row: Pick<Selectable<JobTable>, "retry_count" | "retry_backoff" | "retry_interval_ms" | "retry_max_interval_ms">): Job["retry"] {
  return {
    count: int(row.retry_count),
    backoff: enumValue(RETRY_BACKOFFS, row.retry_backoff, "jw_job.retry_backoff"),
    intervalMs: int(row.retry_interval_ms),
    maxIntervalMs: int(row.retry_max_interval_ms),
  };
}
