import type { JobDefinition } from "../domain/index.js";
import { InvalidArgumentError } from "../errors.js";
import { CronExpressionError, isValidTimeZone, parseQuartzCron } from "../schedule/quartz-cron.js";

/** Field limits, following XXL-JOB's where it has them (inventory §3 "Field limits"). */
export const JOB_LIMITS = {
  nameChars: 255,
  authorChars: 64,
  descriptionChars: 2_000,
  handlerChars: 255,
  paramChars: 2_048,
  glueSourceChars: 1_000_000,
  maxRetries: 100,
  maxConcurrency: 1_000,
  maxTimeoutSeconds: 7 * 24 * 3600,
  maxIntervalSeconds: 366 * 24 * 3600,
  maxChildJobs: 100,
  maxAlarmTargets: 20,
} as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Checks the values of a job definition (everything that needs no database). `prefix` is the request path of
 * the job message so that each error names the field as the client sent it, e.g. `job.schedule.cron`.
 */
export function validateJobDefinition(job: JobDefinition, prefix = "job"): void {
  const field = (name: string): string => `${prefix}.${name}`;
  if (job.name === "") throw new InvalidArgumentError(field("display_name"), "is required");
  if (job.name.length > JOB_LIMITS.nameChars) throw new InvalidArgumentError(field("display_name"), `must be at most ${JOB_LIMITS.nameChars} characters`);
  if (job.author === "") throw new InvalidArgumentError(field("author"), "is required");
  if (job.author.length > JOB_LIMITS.authorChars) throw new InvalidArgumentError(field("author"), `must be at most ${JOB_LIMITS.authorChars} characters`);
  if (job.description.length > JOB_LIMITS.descriptionChars) throw new InvalidArgumentError(field("description"), `must be at most ${JOB_LIMITS.descriptionChars} characters`);
  if (job.param.length > JOB_LIMITS.paramChars) throw new InvalidArgumentError(field("param"), `must be at most ${JOB_LIMITS.paramChars} characters`);

  validateSchedule(job, `${prefix}.schedule`);

  if (job.glueType === "BEAN") {
    if (job.handler === "") throw new InvalidArgumentError(field("handler"), "is required for BEAN jobs");
    if (job.handler.length > JOB_LIMITS.handlerChars) throw new InvalidArgumentError(field("handler"), `must be at most ${JOB_LIMITS.handlerChars} characters`);
  }
  if (job.blockStrategy === "CONCURRENT" && (!Number.isInteger(job.concurrency) || job.concurrency < 1 || job.concurrency > JOB_LIMITS.maxConcurrency)) {
    throw new InvalidArgumentError(field("concurrency"), `must be from 1 to ${JOB_LIMITS.maxConcurrency} with BLOCK_STRATEGY_CONCURRENT`);
  }
  if (!Number.isInteger(job.timeoutSeconds) || job.timeoutSeconds < 0 || job.timeoutSeconds > JOB_LIMITS.maxTimeoutSeconds) {
    throw new InvalidArgumentError(field("timeout"), `must be a whole number of seconds from 0 to ${JOB_LIMITS.maxTimeoutSeconds}`);
  }
  if (!Number.isInteger(job.retry.count) || job.retry.count < 0 || job.retry.count > JOB_LIMITS.maxRetries) {
    throw new InvalidArgumentError(field("retry_policy.max_retries"), `must be from 0 to ${JOB_LIMITS.maxRetries}`);
  }
  if (job.retry.intervalMs < 0) throw new InvalidArgumentError(field("retry_policy.initial_interval"), "must not be negative");
  if (job.retry.maxIntervalMs < job.retry.intervalMs) {
    throw new InvalidArgumentError(field("retry_policy.max_interval"), "must not be shorter than initial_interval");
  }
  if (job.alarm.emails.length > JOB_LIMITS.maxAlarmTargets) throw new InvalidArgumentError(field("alarm.emails"), `must have at most ${JOB_LIMITS.maxAlarmTargets} entries`);
  job.alarm.emails.forEach((email, i) => {
    if (!EMAIL.test(email)) throw new InvalidArgumentError(field(`alarm.emails[${i}]`), `"${email}" is not an email address`);
  });
  if (job.alarm.webhookUrls.length > JOB_LIMITS.maxAlarmTargets) throw new InvalidArgumentError(field("alarm.webhook_urls"), `must have at most ${JOB_LIMITS.maxAlarmTargets} entries`);
  job.alarm.webhookUrls.forEach((url, i) => {
    if (!isHttpUrl(url)) throw new InvalidArgumentError(field(`alarm.webhook_urls[${i}]`), `"${url}" is not an http(s) URL`);
  });
  if (job.childJobIds.length > JOB_LIMITS.maxChildJobs) throw new InvalidArgumentError(field("child_jobs"), `must have at most ${JOB_LIMITS.maxChildJobs} entries`);
  if (new Set(job.childJobIds).size !== job.childJobIds.length) throw new InvalidArgumentError(field("child_jobs"), "must not repeat a job");
}

/** Checks a schedule; `prefix` is the request path of the schedule message, e.g. `job.schedule`. */
export function validateSchedule(job: Pick<JobDefinition, "scheduleType" | "scheduleConf" | "timeZone">, prefix: string): void {
  if (job.timeZone !== "" && !isValidTimeZone(job.timeZone)) {
    throw new InvalidArgumentError(`${prefix}.time_zone`, `"${job.timeZone}" is not an IANA time zone, e.g. "Asia/Shanghai" or "UTC"`);
  }
  switch (job.scheduleType) {
    case "NONE":
      break;
    case "CRON":
      try {
        parseQuartzCron(job.scheduleConf, job.timeZone);
      } catch (error) {
        if (error instanceof CronExpressionError) throw new InvalidArgumentError(`${prefix}.cron`, `"${job.scheduleConf}" ${error.message}`);
        throw error;
      }
      break;
    case "FIX_RATE":
    case "FIX_DELAY": {
      const seconds = Number(job.scheduleConf);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > JOB_LIMITS.maxIntervalSeconds) {
        throw new InvalidArgumentError(`${prefix}.interval`, `must be a whole number of seconds from 1 to ${JOB_LIMITS.maxIntervalSeconds} for ${job.scheduleType}`);
      }
      break;
    }
    default:
      assertNever(job.scheduleType);
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled value ${String(value)}`);
}
