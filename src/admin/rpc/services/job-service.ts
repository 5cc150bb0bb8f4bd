import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { JobService } from "../../../gen/jobwire/v1/job_service_pb.js";
import { JobSchema, JobState, type Job as ProtoJob } from "../../../gen/jobwire/v1/job_pb.js";
import { recordAudit } from "../../audit/index.js";
import type { UserPrincipal } from "../../auth/principal.js";
import type { AdminContext } from "../../context.js";
import { JOB_STATES, type Job, type JobDefinition } from "../../domain/index.js";
import { AbortedError, FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError } from "../../errors.js";
import { INITIAL_GLUE_REMARK, normalizeGlueSource } from "../../jobs/glue-source.js";
import { isHttpUrl, JOB_LIMITS, validateJobDefinition, validateSchedule } from "../../jobs/job-validation.js";
import {
  cancelPlannedScheduleFires,
  countJobs,
  deleteJob,
  getGroup,
  inTransaction,
  insertGlueVersion,
  insertJob,
  listJobs,
  listParentJobIds,
  setJobSchedule,
  updateJob,
} from "../../persistence/index.js";
import { groupAddresses } from "../../registry/live-addresses.js";
import { nextFireTime } from "../../schedule/next-fire-time.js";
import { fromProtoEnum } from "../convert/enums.js";
import { jobDefinitionFromProto, jobToProto, scheduleFromProto } from "../convert/job.js";
import { decodePageToken, encodePageToken, nextPageToken, resolvePageSize, withCursor } from "../paging.js";
import { assertGroupAccess, requireUser } from "../principal-guards.js";
import { Collections, formatName, parseName } from "../resource-names.js";
import { checkChildJobs, followNewSchedule, jobAction, loadJob, loadTargetGroup, parseEtag } from "./job-access.js";
import { createJobGlueHandlers } from "./job-glue-service.js";
import { findRequest, inTransactionOnce, requestKeyOf } from "./job-request-key.js";
import { createJobTransferHandlers } from "./job-transfer-service.js";
import { cancelHeldRuns, dropHeldRuns, listHeldRuns } from "./run-kill.js";

/** Writable job fields by their API names, for update masks. */
const UPDATABLE_FIELDS = [
  "executor_group", "display_name", "description", "author", "alarm", "schedule", "misfire_strategy", "route_strategy",
  "glue_type", "handler", "param", "block_strategy", "concurrency", "timeout", "retry_policy", "child_jobs",
] as const;
type UpdatableField = (typeof UPDATABLE_FIELDS)[number];

const FIELD_KEYS: Readonly<Record<UpdatableField, keyof ProtoJob>> = {
  executor_group: "executorGroup", display_name: "displayName", description: "description", author: "author", alarm: "alarm",
  schedule: "schedule", misfire_strategy: "misfireStrategy", route_strategy: "routeStrategy", glue_type: "glueType",
  handler: "handler", param: "param", block_strategy: "blockStrategy", concurrency: "concurrency", timeout: "timeout",
  retry_policy: "retryPolicy", child_jobs: "childJobs",
};

/**
 * Console service for jobs. Normal users reach only jobs of their permitted groups (a job of another group is
 * NOT_FOUND), cannot move a job into such a group, link its jobs as children, or aim a trigger at addresses
 * outside the job's group. Every mutation writes its audit entry in the transaction that makes the change.
 */
export function createJobService(app: AdminContext): ServiceImpl<typeof JobService> {
  return {
    async getJob(req, ctx) {
      const user = requireUser(ctx);
      return { job: jobToProto(await loadJob(app.db, user, "name", req.name)) };
    },

    async listJobs(req, ctx) {
      const user = requireUser(ctx);
      const groupId = req.executorGroup === "" ? undefined : parseName("executor_group", req.executorGroup, Collections.executorGroup);
      if (groupId !== undefined) assertGroupAccess(user, groupId, req.executorGroup);
      const groupIds = groupId !== undefined ? [groupId] : user.role === "ADMIN" ? undefined : [...user.permittedGroupIds];
      const filter = {
        ...(groupIds === undefined ? {} : { groupIds }),
        ...(req.state === JobState.UNSPECIFIED ? {} : { state: fromProtoEnum(JobState, req.state, JOB_STATES, "state") }),
        ...(req.displayNameContains === "" ? {} : { nameContains: req.displayNameContains }),
        ...(req.handlerContains === "" ? {} : { handlerContains: req.handlerContains }),
        ...(req.authorContains === "" ? {} : { authorContains: req.authorContains }),
      };
      const limit = resolvePageSize(req.pageSize, 50, 500);
      const page = await listJobs(app.db, filter, withCursor(limit, decodePageToken(req.pageToken, filter)));
      return {
        jobs: page.items.map(jobToProto),
        nextPageToken: nextPageToken(page.nextCursor, filter),
        totalSize: await countJobs(app.db, filter),
      };
    },

    async createJob(req, ctx) {
      const user = requireUser(ctx);
      // A repeated key answers with the job its first call created, as it is now, whatever this request holds.
      const key = requestKeyOf(user, jobAction("CreateJob"), req.requestId);
      const repeated = await findRequest(app.db, key);
      if (repeated !== undefined) return { job: jobToProto(await loadJob(app.db, user, "request_id", repeated.resources[0] ?? "")) };
      if (req.job === undefined) throw new InvalidArgumentError("job", "is required");
      const definition = jobDefinitionFromProto(req.job);
      validateJobDefinition(definition);
      const glueSource = initialGlueSource(definition, req.job.glueSource, "job.glue_source");
      const now = app.now();
      const outcome = await inTransactionOnce(
        app.db,
        key,
        now,
        async (trx) => {
          await loadTargetGroup(trx, user, "job.executor_group", definition.groupId);
          await checkChildJobs(trx, user, definition, undefined, "job");
          const created = await insertJob(trx, { ...definition, glueSource, glueRemark: glueSource === "" ? "" : INITIAL_GLUE_REMARK }, now);
          if (glueSource !== "") await insertGlueVersion(trx, { jobId: created.id, glueType: created.glueType, source: glueSource, remark: INITIAL_GLUE_REMARK }, now);
          await recordAudit(trx, user, { action: jobAction("CreateJob"), resource: formatName(Collections.job, created.id), after: created }, now);
          return created;
        },
        (created) => [formatName(Collections.job, created.id)],
      );
      if (!outcome.first) return { job: jobToProto(await loadJob(app.db, user, "request_id", outcome.stored.resources[0] ?? "")) };
      return { job: jobToProto(outcome.value) };
    },

    async updateJob(req, ctx) {
      const user = requireUser(ctx);
      if (req.job === undefined) throw new InvalidArgumentError("job", "is required");
      const paths = req.updateMask?.paths.length ? req.updateMask.paths : [...UPDATABLE_FIELDS];
      paths.forEach((path, i) => {
        if (!(UPDATABLE_FIELDS as readonly string[]).includes(path)) {
          throw new InvalidArgumentError(`update_mask.paths[${i}]`, `"${path}" cannot be updated here; updatable fields: ${UPDATABLE_FIELDS.join(", ")}`);
        }
      });
      const expectedVersion = parseEtag(req.job.etag, "job.etag");
      const name = req.job.name;
      const current = await loadJob(app.db, user, "job.name", name);
      const incoming = jobDefinitionFromProto(mergeForMask(current, req.job, paths as UpdatableField[]));
      validateJobDefinition(incoming);
      const now = app.now();
      const updated = await inTransaction(app.db, async (trx) => {
        // The source group was checked by loadJob; a move also needs the target group.
        if (incoming.groupId !== current.groupId) await loadTargetGroup(trx, user, "job.executor_group", incoming.groupId);
        await checkChildJobs(trx, user, incoming, current.id, "job");
        // The compare-and-set on the version read above: a change made since then is never overwritten unseen.
        const saved = await updateJob(trx, current.id, incoming, now, expectedVersion ?? current.version);
        if (saved === undefined) throw new AbortedError(`job "${name}" was changed concurrently; read it again and retry`);
        const job = await followNewSchedule(trx, current, saved, now, app.options.timeZone);
        await recordAudit(trx, user, { action: jobAction("UpdateJob"), resource: name, before: current, after: job }, now);
        return job;
      });
      return { job: jobToProto(updated) };
    },

    async deleteJob(req, ctx) {
      const user = requireUser(ctx);
      const expected = parseEtag(req.etag);
      const job = await loadJob(app.db, user, "name", req.name);
      const now = app.now();
      const held = await inTransaction(app.db, async (trx) => {
        const parents = await listParentJobIds(trx, job.id);
        if (parents.length > 0) {
          const names = parents.map((id) => formatName(Collections.job, id)).join(", ");
          throw new FailedPreconditionError(`job "${req.name}" is a child job of ${names}; remove it from their child jobs first`);
        }
        const fresh = await loadJob(trx, user, "name", req.name);
        if (expected !== undefined && expected !== fresh.version) throw new AbortedError(`job "${req.name}" was changed concurrently; read it again and retry`);
        // Read before the runs go with the job: their executors are told to drop them once the delete committed.
        const heldRuns = await listHeldRuns(trx, job.id, now);
        await deleteJob(trx, job.id);
        await recordAudit(trx, user, { action: jobAction("DeleteJob"), resource: req.name, before: fresh }, now);
        return heldRuns;
      });
      await dropHeldRuns(app, user, held);
      return {};
    },

    async startJob(req, ctx) {
      const user = requireUser(ctx);
      const job = await loadJob(app.db, user, "name", req.name);
      if (job.scheduleType === "NONE") throw new FailedPreconditionError(`job "${req.name}" has no schedule (SCHEDULE_TYPE_NONE); it can only be triggered`);
      const now = app.now();
      const next = nextFireTime(job, now, app.options.timeZone);
      if (next === undefined) throw new FailedPreconditionError(`job "${req.name}" has no future fire time; change its schedule`);
      return { job: jobToProto(await changeSchedule(app, user, "StartJob", job, { state: "RUNNING", nextFireTime: next, lastFireTime: job.lastFireTime }, now)) };
    },

    async stopJob(req, ctx) {
      const user = requireUser(ctx);
      const job = await loadJob(app.db, user, "name", req.name);
      const stopped = await changeSchedule(app, user, "StopJob", job, { state: "STOPPED", nextFireTime: 0, lastFireTime: job.lastFireTime }, app.now());
      // Runs sent ahead of their instant and held by executors have not started: a stopped job starts nothing more.
      await cancelHeldRuns(app, user, job.id);
      return { job: jobToProto(stopped) };
    },

    async triggerJob(req, ctx) {
      const user = requireUser(ctx);
      const key = requestKeyOf(user, jobAction("TriggerJob"), req.requestId);
      const job = await loadJob(app.db, user, "name", req.name);
      // A repeated key answers with the runs of its first call and fires nothing.
      const repeated = await findRequest(app.db, key);
      if (repeated !== undefined) return { runs: [...repeated.resources] };
      if (req.param !== undefined && req.param.length > JOB_LIMITS.paramChars) {
        throw new InvalidArgumentError("param", `must be at most ${JOB_LIMITS.paramChars} characters`);
      }
      const addresses = [...new Set(req.addresses.map((a) => a.trim().replace(/\/+$/, "")))];
      addresses.forEach((address, i) => {
        if (!isHttpUrl(address)) throw new InvalidArgumentError(`addresses[${i}]`, `"${address}" is not an http(s) URL such as "http://10.0.0.5:9999"`);
      });
      const group = await getGroup(app.db, job.groupId);
      if (group === undefined) throw new FailedPreconditionError(`the executor group of job "${req.name}" no longer exists`);
      if (addresses.length > 0 && user.role !== "ADMIN") {
        // An address override makes the admin call any URL given; normal users may only pick among the executors
        // of the job's own group (its live or manual addresses), never arbitrary hosts.
        const known = new Set(await groupAddresses(app.db, group, app.now(), app.options.deadTimeoutMs));
        addresses.forEach((address, i) => {
          if (!known.has(address)) throw new PermissionDeniedError(`addresses[${i}]: "${address}" is not an executor of the job's group; only administrators may trigger on other addresses`);
        });
      }
      const prepared = await app.trigger.prepare({
        job,
        group,
        triggerType: user.credentialKind === "API_KEY" ? "API" : "MANUAL",
        scheduledTime: app.now(),
        param: req.param,
        addresses,
      });
      // The run rows and the audit entry commit together; dispatching to the executor follows the commit.
      // A concurrent call with the same key that committed first rolls these runs back; only its runs are fired.
      const outcome = await inTransactionOnce(
        app.db,
        key,
        prepared.triggerTime,
        async (trx) => {
          const created = await app.trigger.createRuns(trx, prepared);
          const after = { param: req.param ?? job.param, paramOverridden: req.param !== undefined, addresses, runs: created.map((r) => formatName(Collections.run, r.id)) };
          await recordAudit(trx, user, { action: jobAction("TriggerJob"), resource: req.name, after }, prepared.triggerTime);
          return created;
        },
        (created) => created.map((run) => formatName(Collections.run, run.id)),
      );
      if (!outcome.first) return { runs: [...outcome.stored.resources] };
      await app.trigger.dispatchAll(outcome.value, prepared);
      return { runs: outcome.value.map((run) => formatName(Collections.run, run.id)) };
    },

    async copyJob(req, ctx) {
      const user = requireUser(ctx);
      const source = await loadJob(app.db, user, "name", req.name);
      const name = req.displayName.trim() === "" ? `${source.name} (copy)`.slice(0, JOB_LIMITS.nameChars) : req.displayName.trim();
      if (name.length > JOB_LIMITS.nameChars) throw new InvalidArgumentError("display_name", `must be at most ${JOB_LIMITS.nameChars} characters`);
      const definition: JobDefinition = { ...source, name };
      validateJobDefinition(definition);
      const now = app.now();
      const copy = await inTransaction(app.db, async (trx) => {
        await checkChildJobs(trx, user, definition, undefined, "job");
        const created = await insertJob(trx, { ...definition, glueSource: source.glueSource, glueRemark: source.glueRemark }, now);
        if (source.glueType !== "BEAN" && source.glueSource !== "") {
          await insertGlueVersion(trx, { jobId: created.id, glueType: created.glueType, source: created.glueSource, remark: `copy of ${req.name}` }, now);
        }
        await recordAudit(trx, user, { action: jobAction("CopyJob"), resource: formatName(Collections.job, created.id), after: created }, now);
        return created;
      });
      return { job: jobToProto(copy) };
    },

    async listNextFireTimes(req, ctx) {
      const user = requireUser(ctx);
      const count = resolvePageSize(req.pageSize, 5, 100);
      let schedule: Pick<Job, "scheduleType" | "scheduleConf" | "timeZone">;
      if (req.name !== "") {
        schedule = await loadJob(app.db, user, "name", req.name);
      } else {
        if (req.schedule === undefined) throw new InvalidArgumentError("schedule", "is required when name is empty");
        schedule = scheduleFromProto(req.schedule, "schedule");
        validateSchedule(schedule, "schedule");
      }
      const filters = { name: req.name, schedule: [schedule.scheduleType, schedule.scheduleConf, schedule.timeZone] };
      let after = decodePageToken(req.pageToken, filters) ?? (req.startTime === undefined ? app.now() : timestampMs(req.startTime));
      const times: number[] = [];
      while (times.length < count) {
        const next = nextFireTime(schedule, after, app.options.timeZone);
        if (next === undefined) break;
        times.push(next);
        after = next;
      }
      const more = times.length === count && nextFireTime(schedule, after, app.options.timeZone) !== undefined;
      return { fireTimes: times.map((t) => timestampFromMs(t)), nextPageToken: more ? encodePageToken(after, filters) : "" };
    },

    ...createJobGlueHandlers(app),
    ...createJobTransferHandlers(app),
  };
}

/** Start and Stop: sets the scheduler's fields of a job and audits the change, in one transaction. */
async function changeSchedule(
  app: AdminContext,
  user: UserPrincipal,
  rpc: "StartJob" | "StopJob",
  job: Job,
  schedule: Pick<Job, "state" | "nextFireTime" | "lastFireTime">,
  now: number,
): Promise<Job> {
  const name = formatName(Collections.job, job.id);
  return inTransaction(app.db, async (trx) => {
    const updated = await setJobSchedule(trx, job.id, schedule, now);
    if (updated === undefined) throw new NotFoundError(name);
    // A stopped job's fires planned ahead (up to the planning horizon) are cancelled rather than skipped one by one.
    if (schedule.state === "STOPPED") await cancelPlannedScheduleFires(trx, job.id);
    await recordAudit(trx, user, { action: jobAction(rpc), resource: name, before: job, after: updated }, now);
    return updated;
  });
}

/** The initial GLUE source of a new job: none for BEAN jobs, else the given one normalised (it may be empty). */
function initialGlueSource(definition: JobDefinition, source: string, field: string): string {
  if (definition.glueType === "BEAN" || source === "") return "";
  return normalizeGlueSource(definition.glueType, source, field);
}

/** Builds the job message an update means: masked fields from the request, the rest from the stored job. */
function mergeForMask(current: Job, incoming: ProtoJob, paths: readonly UpdatableField[]): ProtoJob {
  const merged = create(JobSchema, jobToProto(current));
  const copy = <K extends keyof ProtoJob>(key: K): void => {
    merged[key] = incoming[key];
  };
  for (const path of paths) copy(FIELD_KEYS[path]);
  return merged;
}
