import { clone, create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { UsageError } from "../args.js";
import {
  AlarmTargetsSchema,
  BlockStrategySchema,
  GlueTypeSchema,
  JobSchema,
  MisfireStrategySchema,
  RetryBackoffSchema,
  RetryPolicySchema,
  RouteStrategySchema,
  ScheduleSchema,
  ScheduleTypeSchema,
  type Job,
} from "../../gen/jobwire/v1/job_pb.js";
import { listFlag, parseDuration, parseEnum, resourceName } from "../api/proto-values.js";
import { int, readInput, readJsonInput, str, type Flags } from "../api/resource-command.js";

/** Flags that set job fields on `jobs create` and `jobs update`. */
export const JOB_FIELD_FLAGS = {
  file: { type: "string" },
  group: { type: "string" },
  "display-name": { type: "string" },
  description: { type: "string" },
  author: { type: "string" },
  "schedule-type": { type: "string" },
  cron: { type: "string" },
  interval: { type: "string" },
  "time-zone": { type: "string" },
  misfire: { type: "string" },
  route: { type: "string" },
  "glue-type": { type: "string" },
  "glue-source-file": { type: "string" },
  handler: { type: "string" },
  param: { type: "string" },
  block: { type: "string" },
  concurrency: { type: "string" },
  timeout: { type: "string" },
  "max-retries": { type: "string" },
  backoff: { type: "string" },
  "retry-interval": { type: "string" },
  "retry-max-interval": { type: "string" },
  children: { type: "string", multiple: true },
  "alarm-emails": { type: "string", multiple: true },
  "alarm-webhooks": { type: "string", multiple: true },
} as const;

export const JOB_FIELD_HELP = `Job fields (create and update; flags override --file):
  --file FILE|-            a Job in protobuf JSON (as printed by "jobs get --json", under "job" or bare)
  --group ID               executor group (id or executorGroups/ID)
  --display-name TEXT  --description TEXT  --author TEXT  --handler NAME  --param TEXT
  --schedule-type none|cron|fix-rate|fix-delay   --cron 'EXPR'   --interval 30s   --time-zone ZONE
  --misfire do-nothing|fire-once-now             --route first|last|round|random|consistent-hash|…
  --glue-type bean|shell|python|nodejs|php|powershell   --glue-source-file FILE (create only)
  --block serial|discard-later|cover-early|concurrent   --concurrency N   --timeout 60s
  --max-retries N  --backoff fixed|exponential  --retry-interval 10s  --retry-max-interval 10m
  --children ID,ID  --alarm-emails a@x,b@y  --alarm-webhooks URL,URL   (repeatable or comma-separated)`;

/** Reads a Job from `--file`: either a bare Job or a `{ "job": … }` response, with the JSON field names used. */
export function jobFromFile(file: string): { job: Job; fields: string[] } {
  const json = readJsonInput(file);
  const body = typeof json === "object" && json !== null && !Array.isArray(json) && "job" in json ? json.job : json;
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new UsageError(`"${file}" must hold a JSON object (a Job)`);
  let job: Job;
  try {
    job = fromJson(JobSchema, body as JsonValue);
  } catch (error) {
    throw new UsageError(`"${file}" is not a Job: ${error instanceof Error ? error.message : String(error)}`);
  }
  const fields = Object.keys(body).map((key) => JobSchema.fields.find((f) => f.jsonName === key || f.name === key)?.name ?? key);
  return { job, fields };
}

/**
 * Applies the field flags to `job` (changing it) and returns the proto names of the top-level fields they set,
 * which become the update mask. Sub-fields merge with what is there: `--cron` alone keeps the schedule's type.
 */
export function applyJobFlags(job: Job, flags: Flags): string[] {
  const touched = new Set<string>();
  const set = <K extends keyof Job>(field: K, mask: string, value: Job[K] | undefined): void => {
    if (value === undefined) return;
    job[field] = value;
    touched.add(mask);
  };
  const group = str(flags, "group");
  set("executorGroup", "executor_group", group === undefined ? undefined : resourceName("executorGroups", group));
  set("displayName", "display_name", str(flags, "display-name"));
  set("description", "description", str(flags, "description"));
  set("author", "author", str(flags, "author"));
  set("handler", "handler", str(flags, "handler"));
  set("param", "param", str(flags, "param"));
  const enumFlag = (flag: string, schema: Parameters<typeof parseEnum>[0]): number | undefined => {
    const text = str(flags, flag);
    return text === undefined ? undefined : parseEnum(schema, flag, text);
  };
  set("misfireStrategy", "misfire_strategy", enumFlag("misfire", MisfireStrategySchema));
  set("routeStrategy", "route_strategy", enumFlag("route", RouteStrategySchema));
  set("glueType", "glue_type", enumFlag("glue-type", GlueTypeSchema));
  set("blockStrategy", "block_strategy", enumFlag("block", BlockStrategySchema));
  set("concurrency", "concurrency", int(flags, "concurrency"));
  const timeout = str(flags, "timeout");
  set("timeout", "timeout", timeout === undefined ? undefined : parseDuration("timeout", timeout));
  const glueFile = str(flags, "glue-source-file");
  set("glueSource", "glue_source", glueFile === undefined ? undefined : readInput(glueFile));
  const children = listFlag(flags["children"]);
  set("childJobs", "child_jobs", children?.map((c) => resourceName("jobs", c)));

  const scheduleType = enumFlag("schedule-type", ScheduleTypeSchema);
  const cron = str(flags, "cron");
  const interval = str(flags, "interval");
  const timeZone = str(flags, "time-zone");
  if (scheduleType !== undefined || cron !== undefined || interval !== undefined || timeZone !== undefined) {
    const schedule = job.schedule === undefined ? create(ScheduleSchema) : clone(ScheduleSchema, job.schedule);
    if (scheduleType !== undefined) schedule.type = scheduleType;
    if (cron !== undefined) schedule.cron = cron;
    if (interval !== undefined) schedule.interval = parseDuration("interval", interval);
    if (timeZone !== undefined) schedule.timeZone = timeZone;
    set("schedule", "schedule", schedule);
  }

  const maxRetries = int(flags, "max-retries");
  const backoff = enumFlag("backoff", RetryBackoffSchema);
  const retryInterval = str(flags, "retry-interval");
  const retryMax = str(flags, "retry-max-interval");
  if (maxRetries !== undefined || backoff !== undefined || retryInterval !== undefined || retryMax !== undefined) {
    const retry = job.retryPolicy === undefined ? create(RetryPolicySchema) : clone(RetryPolicySchema, job.retryPolicy);
    if (maxRetries !== undefined) retry.maxRetries = maxRetries;
    if (backoff !== undefined) retry.backoff = backoff;
    if (retryInterval !== undefined) retry.initialInterval = parseDuration("retry-interval", retryInterval);
    if (retryMax !== undefined) retry.maxInterval = parseDuration("retry-max-interval", retryMax);
    set("retryPolicy", "retry_policy", retry);
  }

  const emails = listFlag(flags["alarm-emails"]);
  const webhooks = listFlag(flags["alarm-webhooks"]);
  if (emails !== undefined || webhooks !== undefined) {
    const alarm = job.alarm === undefined ? create(AlarmTargetsSchema) : clone(AlarmTargetsSchema, job.alarm);
    if (emails !== undefined) alarm.emails = emails;
    if (webhooks !== undefined) alarm.webhookUrls = webhooks;
    set("alarm", "alarm", alarm);
  }
  return [...touched];
}

/** Copies the named top-level fields (proto names) of `from` onto `to`. */
export function copyJobFields(to: Job, from: Job, fields: readonly string[]): void {
  for (const name of fields) {
    const field = JobSchema.fields.find((f) => f.name === name);
    if (field === undefined) throw new UsageError(`the job file has an unknown field "${name}"`);
    (to as unknown as Record<string, unknown>)[field.localName] = (from as unknown as Record<string, unknown>)[field.localName];
  }
}
