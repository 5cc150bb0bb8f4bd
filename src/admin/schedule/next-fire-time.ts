import type { Job } from "../domain/index.js";
import { parseQuartzCron } from "./quartz-cron.js";

/**
 * The first fire time of a job's schedule strictly after `afterMs`, or undefined when the schedule never fires
 * again (NONE, or a cron expression whose instants are all past). `defaultTimeZone` applies to cron jobs without
 * a zone of their own.
 */
export function nextFireTime(job: Pick<Job, "scheduleType" | "scheduleConf" | "timeZone">, afterMs: number, defaultTimeZone: string): number | undefined {
  switch (job.scheduleType) {
    case "NONE":
      return undefined;
    case "CRON":
      return parseQuartzCron(job.scheduleConf, job.timeZone === "" ? defaultTimeZone : job.timeZone).next(afterMs);
    case "FIX_RATE":
    case "FIX_DELAY":
      return afterMs + Number(job.scheduleConf) * 1000;
  }
}

/** The zone the admin process runs in, used for cron jobs without a zone. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
