import type { MessageInitShape } from "@bufbuild/protobuf";
import { BlockStrategy, GlueType, MisfireStrategy, RetryBackoff, RouteStrategy, ScheduleType, type Job, type JobSchema } from "../../../../../gen/jobwire/v1/job_pb.js";
import { durationSeconds } from "../format.js";

/** The job form's state: every input as the user typed it, converted to a `Job` only on save. */
export interface JobDraft {
  executorGroup: string;
  displayName: string;
  description: string;
  author: string;
  alarmEmails: string;
  alarmWebhooks: string;
  scheduleType: ScheduleType;
  cron: string;
  intervalSeconds: string;
  timeZone: string;
  glueType: GlueType;
  handler: string;
  param: string;
  glueSource: string;
  routeStrategy: RouteStrategy;
  childJobs: string;
  misfireStrategy: MisfireStrategy;
  blockStrategy: BlockStrategy;
  concurrency: string;
  timeoutSeconds: string;
  maxRetries: string;
  backoff: RetryBackoff;
  retryIntervalSeconds: string;
}

/** Starter scripts for new GLUE jobs, like XXL-JOB's templates. */
export const GLUE_TEMPLATES: Partial<Record<GlueType, string>> = {
  [GlueType.SHELL]: '#!/bin/bash\necho "jobwire shell job, param: $1"\nexit 0\n',
  [GlueType.PYTHON]: 'import sys\nprint("jobwire python job, param:", sys.argv[1] if len(sys.argv) > 1 else "")\n',
  [GlueType.NODEJS]: 'console.log("jobwire node job, param:", process.argv[2] ?? "");\n',
  [GlueType.PHP]: '<?php\necho "jobwire php job, param: " . ($argv[1] ?? "") . "\\n";\n',
  [GlueType.POWERSHELL]: 'Write-Output "jobwire powershell job, param: $($args[0])"\n',
};

export function emptyDraft(executorGroup: string): JobDraft {
  return {
    executorGroup,
    displayName: "",
    description: "",
    author: "",
    alarmEmails: "",
    alarmWebhooks: "",
    scheduleType: ScheduleType.CRON,
    cron: "0 0/5 * * * ?",
    intervalSeconds: "60",
    timeZone: "",
    glueType: GlueType.BEAN,
    handler: "",
    param: "",
    glueSource: "",
    routeStrategy: RouteStrategy.FIRST,
    childJobs: "",
    misfireStrategy: MisfireStrategy.DO_NOTHING,
    blockStrategy: BlockStrategy.SERIAL,
    concurrency: "1",
    timeoutSeconds: "0",
    maxRetries: "0",
    backoff: RetryBackoff.FIXED,
    retryIntervalSeconds: "0",
  };
}

const orDefault = <T extends number>(value: T, fallback: T): T => (value === 0 ? fallback : value);

export function draftOf(job: Job): JobDraft {
  const schedule = job.schedule;
  return {
    executorGroup: job.executorGroup,
    displayName: job.displayName,
    description: job.description,
    author: job.author,
    alarmEmails: (job.alarm?.emails ?? []).join(", "),
    alarmWebhooks: (job.alarm?.webhookUrls ?? []).join(", "),
    scheduleType: orDefault(schedule?.type ?? ScheduleType.NONE, ScheduleType.NONE),
    cron: schedule?.cron ?? "",
    intervalSeconds: String(durationSeconds(schedule?.interval) || 60),
    timeZone: schedule?.timeZone ?? "",
    glueType: orDefault(job.glueType, GlueType.BEAN),
    handler: job.handler,
    param: job.param,
    glueSource: job.glueSource,
    routeStrategy: orDefault(job.routeStrategy, RouteStrategy.FIRST),
    childJobs: job.childJobs.map((name) => name.replace(/^jobs\//, "")).join(", "),
    misfireStrategy: orDefault(job.misfireStrategy, MisfireStrategy.DO_NOTHING),
    blockStrategy: orDefault(job.blockStrategy, BlockStrategy.SERIAL),
    concurrency: String(job.concurrency || 1),
    timeoutSeconds: String(durationSeconds(job.timeout)),
    maxRetries: String(job.retryPolicy?.maxRetries ?? 0),
    backoff: orDefault(job.retryPolicy?.backoff ?? RetryBackoff.FIXED, RetryBackoff.FIXED),
    retryIntervalSeconds: String(durationSeconds(job.retryPolicy?.initialInterval)),
  };
}

const list = (text: string): string[] =>
  text
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter((item) => item !== "");

/** A whole number typed by the user; anything else is sent as-is in spirit (NaN becomes -1) for the admin to refuse. */
function whole(text: string): number {
  const value = Number(text.trim() === "" ? "0" : text);
  return Number.isInteger(value) ? value : -1;
}

/** The schedule part of a draft, also used alone by the cron helper's preview. */
export function scheduleOf(draft: JobDraft): NonNullable<MessageInitShape<typeof JobSchema>["schedule"]> {
  return {
    type: draft.scheduleType,
    cron: draft.scheduleType === ScheduleType.CRON ? draft.cron.trim() : "",
    ...(draft.scheduleType === ScheduleType.FIX_RATE || draft.scheduleType === ScheduleType.FIX_DELAY ? { interval: { seconds: BigInt(whole(draft.intervalSeconds)) } } : {}),
    timeZone: draft.timeZone.trim(),
  };
}

export function jobOf(draft: JobDraft): MessageInitShape<typeof JobSchema> {
  return {
    executorGroup: draft.executorGroup,
    displayName: draft.displayName.trim(),
    description: draft.description,
    author: draft.author.trim(),
    alarm: { emails: list(draft.alarmEmails), webhookUrls: list(draft.alarmWebhooks) },
    schedule: scheduleOf(draft),
    glueType: draft.glueType,
    handler: draft.glueType === GlueType.BEAN ? draft.handler.trim() : "",
    param: draft.param,
    glueSource: draft.glueType === GlueType.BEAN ? "" : draft.glueSource,
    routeStrategy: draft.routeStrategy,
    childJobs: list(draft.childJobs).map((id) => (id.startsWith("jobs/") ? id : `jobs/${id}`)),
    misfireStrategy: draft.misfireStrategy,
    blockStrategy: draft.blockStrategy,
    concurrency: whole(draft.concurrency),
    timeout: { seconds: BigInt(whole(draft.timeoutSeconds)) },
    retryPolicy: { maxRetries: whole(draft.maxRetries), backoff: draft.backoff, initialInterval: { seconds: BigInt(whole(draft.retryIntervalSeconds)) } },
  };
}
