import { create } from "@bufbuild/protobuf";
import {
  AlarmTargetsSchema,
  BlockStrategy,
  GlueType,
  GlueVersionSchema,
  JobSchema,
  JobState,
  MisfireStrategy,
  RetryBackoff,
  RetryPolicySchema,
  RouteStrategy,
  ScheduleSchema,
  ScheduleType,
  type GlueVersion as ProtoGlueVersion,
  type Job as ProtoJob,
  type Schedule as ProtoSchedule,
} from "../../../gen/jobwire/v1/job_pb.js";
import {
  BLOCK_STRATEGIES,
  GLUE_TYPES,
  MISFIRE_STRATEGIES,
  RETRY_BACKOFFS,
  ROUTE_STRATEGIES,
  SCHEDULE_TYPES,
  type GlueVersion,
  type Job,
  type JobDefinition,
} from "../../domain/index.js";
import { Collections, formatName, parseName } from "../resource-names.js";
import { fromProtoEnum, toProtoEnum } from "./enums.js";
import { fromDuration, toDuration, toTimestamp } from "./time.js";

export function jobToProto(job: Job): ProtoJob {
  const interval = job.scheduleType === "FIX_RATE" || job.scheduleType === "FIX_DELAY" ? Number(job.scheduleConf) * 1000 : 0;
  return create(JobSchema, {
    name: formatName(Collections.job, job.id),
    executorGroup: formatName(Collections.executorGroup, job.groupId),
    displayName: job.name,
    description: job.description,
    author: job.author,
    alarm: create(AlarmTargetsSchema, { emails: [...job.alarm.emails], webhookUrls: [...job.alarm.webhookUrls] }),
    schedule: create(ScheduleSchema, {
      type: toProtoEnum(ScheduleType, job.scheduleType),
      cron: job.scheduleType === "CRON" ? job.scheduleConf : "",
      interval: toDuration(interval),
      timeZone: job.timeZone,
    }),
    misfireStrategy: toProtoEnum(MisfireStrategy, job.misfireStrategy),
    routeStrategy: toProtoEnum(RouteStrategy, job.routeStrategy),
    glueType: toProtoEnum(GlueType, job.glueType),
    handler: job.handler,
    param: job.param,
    blockStrategy: toProtoEnum(BlockStrategy, job.blockStrategy),
    concurrency: job.concurrency,
    timeout: toDuration(job.timeoutSeconds * 1000),
    retryPolicy: create(RetryPolicySchema, {
      maxRetries: job.retry.count,
      backoff: toProtoEnum(RetryBackoff, job.retry.backoff),
      initialInterval: toDuration(job.retry.intervalMs),
      maxInterval: toDuration(job.retry.maxIntervalMs),
    }),
    childJobs: job.childJobIds.map((id) => formatName(Collections.job, id)),
    glueSource: job.glueSource,
    glueRemark: job.glueRemark,
    glueUpdateTime: toTimestamp(job.glueUpdateTime),
    state: toProtoEnum(JobState, job.state),
    lastFireTime: toTimestamp(job.lastFireTime),
    nextFireTime: toTimestamp(job.nextFireTime),
    etag: `W/"${job.version}"`,
    createTime: toTimestamp(job.createTime),
    updateTime: toTimestamp(job.updateTime),
  });
}

/**
 * Reads the writable fields of an API job into a definition, applying the documented defaults for unset enums.
 * Only shape is checked here (names, enum values); `validateJobDefinition` checks the values themselves.
 * `prefix` is the request path of the job message, so errors name the field as the client sent it.
 */
export function jobDefinitionFromProto(job: ProtoJob, prefix = "job"): JobDefinition {
  const schedule = scheduleFromProto(job.schedule, `${prefix}.schedule`);
  const glueType = fromProtoEnum(GlueType, job.glueType, GLUE_TYPES, `${prefix}.glue_type`, "BEAN");
  const blockStrategy = fromProtoEnum(BlockStrategy, job.blockStrategy, BLOCK_STRATEGIES, `${prefix}.block_strategy`, "SERIAL");
  return {
    groupId: parseName(`${prefix}.executor_group`, job.executorGroup, Collections.executorGroup),
    name: job.displayName.trim(),
    description: job.description,
    author: job.author.trim(),
    alarm: { emails: (job.alarm?.emails ?? []).map((e) => e.trim()), webhookUrls: (job.alarm?.webhookUrls ?? []).map((u) => u.trim()) },
    ...schedule,
    misfireStrategy: fromProtoEnum(MisfireStrategy, job.misfireStrategy, MISFIRE_STRATEGIES, `${prefix}.misfire_strategy`, "DO_NOTHING"),
    routeStrategy: fromProtoEnum(RouteStrategy, job.routeStrategy, ROUTE_STRATEGIES, `${prefix}.route_strategy`, "FIRST"),
    handler: glueType === "BEAN" ? job.handler.trim() : "",
    param: job.param,
    blockStrategy,
    concurrency: blockStrategy === "CONCURRENT" ? job.concurrency : 1,
    timeoutSeconds: fromDuration(job.timeout) / 1000,
    retry: {
      count: job.retryPolicy?.maxRetries ?? 0,
      backoff: fromProtoEnum(RetryBackoff, job.retryPolicy?.backoff ?? 0, RETRY_BACKOFFS, `${prefix}.retry_policy.backoff`, "FIXED"),
      intervalMs: fromDuration(job.retryPolicy?.initialInterval),
      maxIntervalMs: job.retryPolicy?.maxInterval === undefined ? 600_000 : fromDuration(job.retryPolicy.maxInterval),
    },
    glueType,
    childJobIds: job.childJobs.map((name, i) => parseName(`${prefix}.child_jobs[${i}]`, name, Collections.job)),
  };
}

/** Reads a schedule message into the stored form: the cron text, or the interval in seconds. */
export function scheduleFromProto(schedule: ProtoSchedule | undefined, prefix: string): Pick<JobDefinition, "scheduleType" | "scheduleConf" | "timeZone"> {
  const scheduleType = fromProtoEnum(ScheduleType, schedule?.type ?? 0, SCHEDULE_TYPES, `${prefix}.type`, "NONE");
  let scheduleConf = "";
  if (scheduleType === "CRON") scheduleConf = (schedule?.cron ?? "").trim();
  // Stored as seconds; a fractional value is kept as such so validation can refuse it by name.
  if (scheduleType === "FIX_RATE" || scheduleType === "FIX_DELAY") scheduleConf = String(fromDuration(schedule?.interval) / 1000);
  return { scheduleType, scheduleConf, timeZone: (schedule?.timeZone ?? "").trim() };
}

export function glueVersionToProto(version: GlueVersion): ProtoGlueVersion {
  return create(GlueVersionSchema, {
    name: `${formatName(Collections.job, version.jobId)}/glueVersions/${version.id}`,
    glueType: toProtoEnum(GlueType, version.glueType),
    source: version.source,
    remark: version.remark,
    createTime: toTimestamp(version.createTime),
  });
}
