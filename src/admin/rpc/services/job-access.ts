import type { Kysely } from "kysely";
import { canAccessGroup, type UserPrincipal } from "../../auth/principal.js";
import type { ExecutorGroup, Job, JobDefinition } from "../../domain/index.js";
import { InvalidArgumentError, NotFoundError } from "../../errors.js";
import { findChildCycle } from "../../jobs/child-cycle.js";
import { cancelPlannedScheduleFires, getJob, lockGroup, setJobSchedule, type Database } from "../../persistence/index.js";
import { nextFireTime } from "../../schedule/next-fire-time.js";
import { assertGroupAccess } from "../principal-guards.js";
import { Collections, formatName, parseName } from "../resource-names.js";

/** The audit action of a JobService RPC, e.g. `jobwire.v1.JobService/UpdateJob`. */
export function jobAction(rpc: string): string {
  return `jobwire.v1.JobService/${rpc}`;
}

/**
 * Reads the job `name` (the request field `field`). A job of a group the user lacks answers NOT_FOUND, exactly
 * like a job that does not exist, so that normal users cannot probe other groups' ids.
 */
export async function loadJob(db: Kysely<Database>, user: UserPrincipal, field: string, name: string): Promise<Job> {
  const job = await getJob(db, parseName(field, name, Collections.job));
  if (job === undefined) throw new NotFoundError(name);
  assertGroupAccess(user, job.groupId, name);
  return job;
}

/**
 * Reads the executor group a job is to belong to (on create, or as the target of a move). A group that does not
 * exist and a group the user lacks are the same INVALID_ARGUMENT naming the field: moving a job into a group
 * one may not operate is refused as if the group were not there. Call it with the transaction that saves the job:
 * the group's row stays locked until the save commits, so the group cannot be deleted in between.
 */
export async function loadTargetGroup(db: Kysely<Database>, user: UserPrincipal, field: string, groupId: number): Promise<ExecutorGroup> {
  const group = await lockGroup(db, groupId);
  if (group === undefined || !canAccessGroup(user, groupId)) {
    throw new InvalidArgumentError(field, `executor group "${formatName(Collections.executorGroup, groupId)}" does not exist`);
  }
  return group;
}

/**
 * Checks the child jobs of a definition: each exists and is in a group the user may operate (else INVALID_ARGUMENT
 * naming `<prefix>.child_jobs[i]`), none is the job itself, and, for a saved job (`selfId`), the links close no
 * cycle. Call it with the transaction that saves the job, so the check sees what the save will change.
 */
export async function checkChildJobs(
  db: Kysely<Database>,
  user: UserPrincipal,
  definition: Pick<JobDefinition, "childJobIds">,
  selfId: number | undefined,
  prefix: string,
): Promise<void> {
  for (const [i, childId] of definition.childJobIds.entries()) {
    const field = `${prefix}.child_jobs[${i}]`;
    if (childId === selfId) throw new InvalidArgumentError(field, "a job cannot be its own child");
    const child = await getJob(db, childId);
    if (child === undefined || !canAccessGroup(user, child.groupId)) {
      throw new InvalidArgumentError(field, `job "${formatName(Collections.job, childId)}" does not exist`);
    }
  }
  if (selfId === undefined) return;
  const cycle = await findChildCycle(selfId, definition.childJobIds, async (id) => (await getJob(db, id))?.childJobIds);
  if (cycle !== undefined) {
    const path = cycle.map((id) => formatName(Collections.job, id)).join(" → ");
    throw new InvalidArgumentError(`${prefix}.child_jobs`, `would make a cycle of child jobs: ${path}`);
  }
}

/** Reads `W/"<version>"`; an empty etag means "no precondition". */
export function parseEtag(etag: string, field = "etag"): number | undefined {
  if (etag === "") return undefined;
  const match = /^W\/"(\d+)"$/.exec(etag);
  if (match === null) throw new InvalidArgumentError(field, `"${etag}" is not an etag returned by this API`);
  return Number(match[1]);
}

/**
 * After a definition change: a RUNNING job whose schedule changed follows the new schedule from `now` on; one
 * without a future instant (or of type NONE) stops. The fires planned for the old schedule and not dispatched yet
 * are cancelled, so that the new schedule takes over at once rather than after the planning horizon. Returns the
 * job as stored afterwards.
 */
export async function followNewSchedule(db: Kysely<Database>, before: Job, after: Job, now: number, defaultTimeZone: string): Promise<Job> {
  const rescheduled = after.scheduleType !== before.scheduleType || after.scheduleConf !== before.scheduleConf || after.timeZone !== before.timeZone;
  if (!rescheduled) return after;
  await cancelPlannedScheduleFires(db, after.id);
  if (after.state !== "RUNNING") return after;
  const next = after.scheduleType === "NONE" ? undefined : nextFireTime(after, now, defaultTimeZone);
  const state = next === undefined ? "STOPPED" : "RUNNING";
  return (await setJobSchedule(db, after.id, { state, nextFireTime: next ?? 0, lastFireTime: after.lastFireTime }, now)) ?? after;
}
