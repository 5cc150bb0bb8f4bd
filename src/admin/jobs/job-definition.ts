import type { JobDefinition } from "../domain/index.js";

/**
 * The definition fields of a job (or of anything wider, such as a stored job) in a fixed order, as plain data:
 * what an export carries, what an import compares, and what the job repository writes (so that extra properties
 * of a wider object never reach a column).
 */
export function pickDefinition(job: JobDefinition): JobDefinition {
  return {
    groupId: job.groupId,
    name: job.name,
    description: job.description,
    author: job.author,
    alarm: { emails: [...job.alarm.emails], webhookUrls: [...job.alarm.webhookUrls] },
    scheduleType: job.scheduleType,
    scheduleConf: job.scheduleConf,
    timeZone: job.timeZone,
    misfireStrategy: job.misfireStrategy,
    routeStrategy: job.routeStrategy,
    handler: job.handler,
    param: job.param,
    blockStrategy: job.blockStrategy,
    concurrency: job.concurrency,
    timeoutSeconds: job.timeoutSeconds,
    retry: { count: job.retry.count, backoff: job.retry.backoff, intervalMs: job.retry.intervalMs, maxIntervalMs: job.retry.maxIntervalMs },
    glueType: job.glueType,
    childJobIds: [...job.childJobIds],
  };
}

/** True when two definitions are equal field by field (child jobs in order, as they fire in order). */
export function sameDefinition(a: JobDefinition, b: JobDefinition): boolean {
  return JSON.stringify(pickDefinition(a)) === JSON.stringify(pickDefinition(b));
}
