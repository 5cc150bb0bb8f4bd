import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { JobService } from "../../../gen/jobwire/v1/job_service_pb.js";
import { JobSchema, JobState, type Job as ProtoJob } from "../../../gen/jobwire/v1/job_pb.js";
import type { UserPrincipal } from "../../auth/principal.js";
import type { AdminContext } from "../../context.js";
import { JOB_STATES, type ExecutorGroup, type Job, type JobDefinition } from "../../domain/index.js";
import { AbortedError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../errors.js";
import { isHttpUrl, validateJobDefinition, validateSchedule } from "../../jobs/job-validation.js";
import { countJobs, deleteJob, getGroup, getJob, insertJob, listJobs, setJobSchedule, updateJob } from "../../persistence/index.js";
import { findChildCycle } from "../../jobs/child-cycle.js";
import { nextFireTime } from "../../schedule/next-fire-time.js";
import { fromProtoEnum } from "../convert/enums.js";
import { jobDefinitionFromProto, jobToProto, scheduleFromProto } from "../convert/job.js";
import { decodePageToken, encodePageToken, resolvePageSize, withCursor } from "../paging.js";
import { assertGroupAccess, requireUser } from "../principal-guards.js";
import { Collections, formatName, parseName } from "../resource-names.js";

/** Writable job fields by their API names, for update masks. */
const UPDATABLE_FIELDS = [
  "executor_group", "display_name", "description", "author", "alarm", "schedule", "misfire_strategy", "route_strategy",
  "glue_type", "handler", "param", "block_strategy", "concurrency", "timeout", "retry_policy", "child_jobs",
] as const;

/** Console service for jobs. Normal users reach only jobs of their permitted groups. */
export function createJobService(app: AdminContext): Partial<ServiceImpl<typeof JobService>> {
  const loadJob = async (user: UserPrincipal, field: string, name: string): Promise<Job> => {
    const job = await getJob(app.db, parseName(field, name, Collections.job));
    if (job === undefined) throw new NotFoundError(name);
    assertGroupAccess(user, job.groupId, name);
    return job;
  };
  const loadGroup = async (user: UserPrincipal, field: string, groupId: number): Promise<ExecutorGroup> => {
    const name = formatName(Collections.executorGroup, groupId);
    const group = await getGroup(app.db, groupId);
    if (group === undefined || (user.role !== "ADMIN" && !user.permittedGroupIds.includes(groupId))) {
      throw new InvalidArgumentError(field, `executor group "${name}" does not exist`);
    }
    return group;
  };
  const checkChildren = async (user: UserPrincipal, definition: JobDefinition, selfId: number | undefined, prefix: string): Promise<void> => {
    for (const [i, childId] of definition.childJobIds.entries()) {
      if (childId === selfId) throw new InvalidArgumentError(`${prefix}.child_jobs[${i}]`, "a job cannot be its own child");
      const child = await getJob(app.db, childId);
      if (child === undefined || (user.role !== "ADMIN" && !user.permittedGroupIds.includes(child.groupId))) {
        throw new InvalidArgumentError(`${prefix}.child_jobs[${i}]`, `job "${formatName(Collections.job, childId)}" does not exist`);
      }
    }
    if (selfId === undefined) return;
    const cycle = await findChildCycle(selfId, definition.childJobIds, async (id) => (await getJob(app.db, id))?.childJobIds);
    if (cycle !== undefined) {
      throw new InvalidArgumentError(`${prefix}.child_jobs`, `would make a cycle of child jobs: ${cycle.map((id) => formatName(Collections.job, id)).join(" → ")}`);
    }
  };

  return {
    async getJob(req, ctx) {
      const user = requireUser(ctx);
      return { job: jobToProto(await loadJob(user, "name", req.name)) };
    },

    async listJobs(req, ctx) {
      const user = requireUser(ctx);
      const groupId = req.executorGroup === "" ? undefined : parseName("executor_group", req.executorGroup, Collections.executorGroup);
      const groupIds = groupId !== undefined ? [groupId] : user.role === "ADMIN" ? undefined : [...user.permittedGroupIds];
      if (groupId !== undefined) assertGroupAccess(user, groupId, req.executorGroup);
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
        nextPageToken: page.nextCursor === undefined ? "" : encodePageToken(page.nextCursor, filter),
        totalSize: await countJobs(app.db, filter),
      };
    },

    async createJob(req, ctx) {
      const user = requireUser(ctx);
      if (req.job === undefined) throw new InvalidArgumentError("job", "is required");
      const definition = jobDefinitionFromProto(req.job);
      validateJobDefinition(definition);
      await loadGroup(user, "job.executor_group", definition.groupId);
      await checkChildren(user, definition, undefined, "job");
      const job = await insertJob(app.db, { ...definition, glueSource: req.job.glueSource, glueRemark: req.job.glueSource === "" ? "" : "initial version" }, app.now());
      return { job: jobToProto(job) };
    },

    async updateJob(req, ctx) {
      const user = requireUser(ctx);
      if (req.job === undefined) throw new InvalidArgumentError("job", "is required");
      const current = await loadJob(user, "job.name", req.job.name);
      const paths = req.updateMask?.paths.length ? req.updateMask.paths : [...UPDATABLE_FIELDS];
      for (const path of paths) {
        if (!(UPDATABLE_FIELDS as readonly string[]).includes(path)) {
          throw new InvalidArgumentError("update_mask", `"${path}" cannot be updated here; updatable fields: ${UPDATABLE_FIELDS.join(", ")}`);
        }
      }
      const incoming = jobDefinitionFromProto(mergeForMask(current, req.job, paths));
      validateJobDefinition(incoming);
      if (incoming.groupId !== current.groupId) await loadGroup(user, "job.executor_group", incoming.groupId);
      await checkChildren(user, incoming, current.id, "job");
      const expectedVersion = parseEtag(req.job.etag);
      const now = app.now();
      let updated = await updateJob(app.db, current.id, incoming, now, expectedVersion);
      if (updated === undefined) throw new AbortedError(`job "${req.job.name}" was changed concurrently; read it again and retry`);
      const rescheduled =
        updated.scheduleType !== current.scheduleType || updated.scheduleConf !== current.scheduleConf || updated.timeZone !== current.timeZone;
      if (rescheduled && updated.state === "RUNNING") {
        // A running job follows its new schedule from now on; one without a future instant (or NONE) stops.
        const next = updated.scheduleType === "NONE" ? undefined : nextFireTime(updated, now, app.options.timeZone);
        const state = next === undefined ? "STOPPED" : "RUNNING";
        updated = (await setJobSchedule(app.db, updated.id, { state, nextFireTime: next ?? 0, lastFireTime: updated.lastFireTime }, now)) ?? updated;
      }
      return { job: jobToProto(updated) };
    },

    async deleteJob(req, ctx) {
      const user = requireUser(ctx);
      const job = await loadJob(user, "name", req.name);
      const expected = parseEtag(req.etag);
      if (expected !== undefined && expected !== job.version) throw new AbortedError(`job "${req.name}" was changed concurrently; read it again and retry`);
      await deleteJob(app.db, job.id);
      return {};
    },

    async startJob(req, ctx) {
      const user = requireUser(ctx);
      const job = await loadJob(user, "name", req.name);
      if (job.scheduleType === "NONE") throw new FailedPreconditionError(`job "${req.name}" has no schedule (SCHEDULE_TYPE_NONE); it can only be triggered`);
      const now = app.now();
      const next = nextFireTime(job, now, app.options.timeZone);
      if (next === undefined) throw new FailedPreconditionError(`job "${req.name}" has no future fire time; change its schedule`);
      const updated = await setJobSchedule(app.db, job.id, { state: "RUNNING", nextFireTime: next, lastFireTime: job.lastFireTime }, now);
      if (updated === undefined) throw new NotFoundError(req.name);
      return { job: jobToProto(updated) };
    },

    async stopJob(req, ctx) {
      const user = requireUser(ctx);
      const job = await loadJob(user, "name", req.name);
      const updated = await setJobSchedule(app.db, job.id, { state: "STOPPED", nextFireTime: 0, lastFireTime: job.lastFireTime }, app.now());
      if (updated === undefined) throw new NotFoundError(req.name);
      return { job: jobToProto(updated) };
    },

    async triggerJob(req, ctx) {
      const user = requireUser(ctx);
      const job = await loadJob(user, "name", req.name);
      const group = await getGroup(app.db, job.groupId);
      if (group === undefined) throw new FailedPreconditionError(`the executor group of job "${req.name}" no longer exists`);
      if (req.param !== undefined && req.param.length > 2_048) throw new InvalidArgumentError("param", "must be at most 2 048 characters");
      const addresses = [...new Set(req.addresses.map((a) => a.trim().replace(/\/+$/, "")))];
      addresses.forEach((address, i) => {
        if (!isHttpUrl(address)) throw new InvalidArgumentError(`addresses[${i}]`, `"${address}" is not an http(s) URL such as "http://10.0.0.5:9999"`);
      });
      const runs = await app.trigger.fire({
        job,
        group,
        triggerType: user.credentialKind === "API_KEY" ? "API" : "MANUAL",
        scheduledTime: app.now(),
        param: req.param,
        addresses,
      });
      return { runs: runs.map((run) => formatName(Collections.run, run.id)) };
    },

    async copyJob(req, ctx) {
      const user = requireUser(ctx);
      const source = await loadJob(user, "name", req.name);
      const name = req.displayName.trim() === "" ? `${source.name} (copy)`.slice(0, 255) : req.displayName.trim();
      const definition: JobDefinition = { ...source, name };
      validateJobDefinition(definition);
      const copy = await insertJob(app.db, { ...definition, glueSource: source.glueSource, glueRemark: source.glueRemark }, app.now());
      return { job: jobToProto(copy) };
    },

    async listNextFireTimes(req, ctx) {
      const user = requireUser(ctx);
      const count = resolvePageSize(req.pageSize, 5, 100);
      let schedule: Pick<Job, "scheduleType" | "scheduleConf" | "timeZone">;
      if (req.name !== "") {
        schedule = await loadJob(user, "name", req.name);
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
  };
}

/** Builds the job message an update means: masked fields from the request, the rest from the stored job. */
function mergeForMask(current: Job, incoming: ProtoJob, paths: readonly string[]): ProtoJob {
  const base = jobToProto(current);
  const merged = create(JobSchema, base);
  const copy = <K extends keyof ProtoJob>(key: K): void => {
    merged[key] = incoming[key];
  };
  const map: Record<(typeof UPDATABLE_FIELDS)[number], keyof ProtoJob> = {
    executor_group: "executorGroup", display_name: "displayName", description: "description", author: "author", alarm: "alarm",
    schedule: "schedule", misfire_strategy: "misfireStrategy", route_strategy: "routeStrategy", glue_type: "glueType",
    handler: "handler", param: "param", block_strategy: "blockStrategy", concurrency: "concurrency", timeout: "timeout",
    retry_policy: "retryPolicy", child_jobs: "childJobs",
  };
  for (const path of paths) copy(map[path as (typeof UPDATABLE_FIELDS)[number]]);
  return merged;
}

/** Reads `W/"<version>"`; an empty etag means "no precondition". */
function parseEtag(etag: string): number | undefined {
  if (etag === "") return undefined;
  const match = /^W\/"(\d+)"$/.exec(etag);
  if (match === null) throw new InvalidArgumentError("etag", `"${etag}" is not an etag returned by this API`);
  return Number(match[1]);
}
