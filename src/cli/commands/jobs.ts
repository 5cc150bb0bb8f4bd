import { clone, create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { writeFileSync } from "node:fs";
import { UsageError } from "../args.js";
import { GlueTypeSchema, JobSchema, JobStateSchema, ScheduleTypeSchema, type Job } from "../../gen/jobwire/v1/job_pb.js";
import {
  ExportJobsResponseSchema,
  GetJobResponseSchema,
  ImportJobsResponseSchema,
  ListJobsResponseSchema,
  TriggerJobResponseSchema,
  ImportOutcomeSchema,
} from "../../gen/jobwire/v1/job_service_pb.js";
import { CONNECTION_HELP } from "../api/connection.js";
import { printDetail, printJson, printTable } from "../api/output.js";
import { durationLabel, enumLabel, listFlag, parseEnum, resourceName, shortId, timeLabel } from "../api/proto-values.js";
import { fetchPages, firstArg, PAGE_FLAGS, readJsonInput, runResourceCommand, str, type SubCommand, type SubCommandInput } from "../api/resource-command.js";
import { applyJobFlags, copyJobFields, JOB_FIELD_FLAGS, JOB_FIELD_HELP, jobFromFile } from "./job-fields.js";

export const JOBS_HELP = `Usage: jobwire jobs <sub-command> [id] [options]

Sub-commands:
  list [--group ID] [--state running|stopped] [--name TEXT] [--handler TEXT] [--author TEXT]
       [--page-size N] [--page-token T] [--all]
  get ID
  create [job fields] [--request-id KEY]  prints the new job (new jobs are stopped); a repeat with the same
                                          KEY (1-64 of A-Z a-z 0-9 - _) within 24 h returns the first job
  update ID [job fields]                  changes only the fields given (flags and/or --file)
  start ID | stop ID
  trigger ID [--param TEXT] [--address URL]... [--request-id KEY]
                                          fires once now; prints the run names (a repeated KEY fires nothing)
  delete ID [--etag ETAG]
  export [ID...] [--group ID] [--out FILE]       JSON export file (stdout without --out)
  import [--file FILE|-] [--validate-only] [--create-missing-groups]
                                          reads an export (stdin without --file); groups are matched by app
                                          name, missing ones created only with --create-missing-groups (admins)

${JOB_FIELD_HELP}

${CONNECTION_HELP}
`;

const jobRow = (job: Job): string[] => [
  shortId(job.name),
  job.displayName,
  shortId(job.executorGroup),
  scheduleLabel(job),
  job.handler === "" ? enumLabel(GlueTypeSchema, job.glueType) : job.handler,
  enumLabel(JobStateSchema, job.state),
  timeLabel(job.nextFireTime),
];
const JOB_HEADER = ["ID", "NAME", "GROUP", "SCHEDULE", "HANDLER", "STATE", "NEXT FIRE"];

function scheduleLabel(job: Job): string {
  const schedule = job.schedule;
  if (schedule === undefined) return "none";
  const type = enumLabel(ScheduleTypeSchema, schedule.type) || "none";
  if (type === "cron") return `cron ${schedule.cron}${schedule.timeZone === "" ? "" : ` (${schedule.timeZone})`}`;
  if (type === "fix-rate" || type === "fix-delay") return `${type} ${durationLabel(schedule.interval)}`;
  return type;
}

function showJob(input: SubCommandInput, job: Job | undefined): void {
  const response = create(GetJobResponseSchema, job === undefined ? {} : { job });
  if (input.json) printJson(GetJobResponseSchema, response);
  else if (job !== undefined) printDetail(JobSchema, job);
}

const SUB_COMMANDS: Record<string, SubCommand> = {
  list: {
    args: 0,
    flags: { group: { type: "string" }, state: { type: "string" }, name: { type: "string" }, handler: { type: "string" }, author: { type: "string" }, ...PAGE_FLAGS },
    async run(input) {
      const { flags } = input;
      const group = str(flags, "group");
      const state = str(flags, "state");
      let totalSize = 0;
      const { items, next } = await fetchPages(flags, async (pageSize, pageToken) => {
        const reply = await input.clients().jobs.listJobs({
          pageSize,
          pageToken,
          executorGroup: group === undefined ? "" : resourceName("executorGroups", group),
          state: state === undefined ? 0 : parseEnum(JobStateSchema, "state", state),
          displayNameContains: str(flags, "name") ?? "",
          handlerContains: str(flags, "handler") ?? "",
          authorContains: str(flags, "author") ?? "",
        });
        totalSize = reply.totalSize;
        return { items: reply.jobs, next: reply.nextPageToken };
      });
      if (input.json) printJson(ListJobsResponseSchema, create(ListJobsResponseSchema, { jobs: items, nextPageToken: next, totalSize }));
      else printTable(JOB_HEADER, items.map(jobRow));
    },
  },
  get: {
    args: 1,
    flags: {},
    async run(input) {
      const { job } = await input.clients().jobs.getJob({ name: resourceName("jobs", firstArg(input)) });
      showJob(input, job);
    },
  },
  create: {
    args: 0,
    flags: { ...JOB_FIELD_FLAGS, "request-id": { type: "string" } },
    async run(input) {
      const file = str(input.flags, "file");
      const job = file === undefined ? create(JobSchema) : jobFromFile(file).job;
      applyJobFlags(job, input.flags);
      const reply = await input.clients().jobs.createJob({ job, requestId: str(input.flags, "request-id") ?? "" });
      showJob(input, reply.job);
    },
  },
  update: {
    args: 1,
    flags: JOB_FIELD_FLAGS,
    async run(input) {
      const { jobs } = input.clients();
      const name = resourceName("jobs", firstArg(input));
      const current = (await jobs.getJob({ name })).job;
      if (current === undefined) throw new Error(`the admin returned no job for ${name}`);
      const job = clone(JobSchema, current);
      const file = str(input.flags, "file");
      const patch = file === undefined ? undefined : jobFromFile(file);
      const fromFile = patch === undefined ? [] : patch.fields.filter((f) => !OUTPUT_ONLY.has(f));
      if (patch !== undefined) copyJobFields(job, patch.job, fromFile);
      const mask = new Set([...fromFile, ...applyJobFlags(job, input.flags)]);
      if (mask.size === 0) throw new UsageError("nothing to update: give job field flags or --file");
      job.name = name;
      job.etag = current.etag;
      const reply = await jobs.updateJob({ job, updateMask: create(FieldMaskSchema, { paths: [...mask] }) });
      showJob(input, reply.job);
    },
  },
  start: {
    args: 1,
    flags: {},
    async run(input) {
      const reply = await input.clients().jobs.startJob({ name: resourceName("jobs", firstArg(input)) });
      showJob(input, reply.job);
    },
  },
  stop: {
    args: 1,
    flags: {},
    async run(input) {
      const reply = await input.clients().jobs.stopJob({ name: resourceName("jobs", firstArg(input)) });
      showJob(input, reply.job);
    },
  },
  trigger: {
    args: 1,
    flags: { param: { type: "string" }, address: { type: "string", multiple: true }, "request-id": { type: "string" } },
    async run(input) {
      const param = str(input.flags, "param");
      const reply = await input.clients().jobs.triggerJob({
        name: resourceName("jobs", firstArg(input)),
        ...(param === undefined ? {} : { param }),
        addresses: listFlag(input.flags["address"]) ?? [],
        requestId: str(input.flags, "request-id") ?? "",
      });
      if (input.json) printJson(TriggerJobResponseSchema, reply);
      else process.stdout.write(reply.runs.map((run) => `${run}\n`).join(""));
    },
  },
  delete: {
    args: 1,
    flags: { etag: { type: "string" } },
    async run(input) {
      const name = resourceName("jobs", firstArg(input));
      await input.clients().jobs.deleteJob({ name, etag: str(input.flags, "etag") ?? "" });
      if (input.json) process.stdout.write("{}\n");
      else process.stdout.write(`deleted ${name}\n`);
    },
  },
  export: {
    flags: { group: { type: "string" }, out: { type: "string" } },
    async run(input) {
      const group = str(input.flags, "group");
      const reply = await input.clients().jobs.exportJobs({
        names: input.args.map((id) => resourceName("jobs", id)),
        executorGroup: group === undefined ? "" : resourceName("executorGroups", group),
      });
      const text = `${JSON.stringify(toJson(ExportJobsResponseSchema, reply), null, 2)}\n`;
      const out = str(input.flags, "out");
      if (out === undefined || out === "-") {
        process.stdout.write(text);
        return;
      }
      writeFileSync(out, text);
      process.stderr.write(`exported ${reply.jobs.length} job${reply.jobs.length === 1 ? "" : "s"} to ${out}\n`);
    },
  },
  import: {
    args: 0,
    flags: { file: { type: "string" }, "validate-only": { type: "boolean" }, "create-missing-groups": { type: "boolean" } },
    async run(input) {
      const file = str(input.flags, "file") ?? "-";
      let exported;
      try {
        exported = fromJson(ExportJobsResponseSchema, readJsonInput(file) as JsonValue);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(`${file === "-" ? "standard input" : `"${file}"`} is not a jobwire export: ${error instanceof Error ? error.message : String(error)}`);
      }
      const reply = await input.clients().jobs.importJobs({
        jobs: exported.jobs,
        validateOnly: input.flags["validate-only"] === true,
        createMissingGroups: input.flags["create-missing-groups"] === true,
      });
      if (input.json) printJson(ImportJobsResponseSchema, reply);
      else printTable(["KEY", "JOB", "RESULT"], reply.results.map((r) => [r.key, r.job, enumLabel(ImportOutcomeSchema, r.outcome)]));
    },
  },
};

/** Fields a file may carry (say, one saved from `jobs get --json`) that are never sent as changes. */
const OUTPUT_ONLY = new Set(["name", "state", "last_fire_time", "next_fire_time", "etag", "create_time", "update_time", "glue_remark", "glue_update_time", "glue_source"]);

export function runJobsCommand(argv: readonly string[]): Promise<number> {
  return runResourceCommand(JOBS_HELP, SUB_COMMANDS, argv);
}
