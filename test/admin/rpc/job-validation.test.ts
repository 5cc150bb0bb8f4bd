import { Code } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BlockStrategy, GlueType, JobSchema, ScheduleType, type Job } from "../../../src/gen/jobwire/v1/job_pb.js";
import type { ConsoleClients } from "../../helpers/console-client.js";
import { describeEachDialect, expectError, startJobTestAdmin, storeSnapshot, type JobTestAdmin } from "./job-harness.js";

describeEachDialect("JobService validation", (dialect) => {
  let t: JobTestAdmin;
  let jobs: ConsoleClients["jobs"];
  let group = "";
  let parent = "";
  let child = "";
  let script = "";

  const valid = (over: Parameters<typeof create<typeof JobSchema>>[1] = {}): Job => {
    const base = create(JobSchema, { executorGroup: group, displayName: "Valid job", author: "tests", handler: "demoHandler", schedule: { type: ScheduleType.CRON, cron: "0 0 * * * ?" } });
    // Only the fields the row names replace the valid defaults (nested values converted to messages by create()).
    const extra = create(JobSchema, over);
    return Object.assign(base, Object.fromEntries(Object.entries(extra).filter(([k]) => k in over)));
  };

  beforeAll(async () => {
    t = await startJobTestAdmin(dialect);
    jobs = t.clients.jobs;
    group = `executorGroups/${(await t.group("validation-app")).id}`;
    parent = (await jobs.createJob({ job: valid({ displayName: "Parent" }) })).job?.name ?? "";
    child = (await jobs.createJob({ job: valid({ displayName: "Child" }) })).job?.name ?? "";
    await jobs.updateJob({ job: { name: parent, childJobs: [child] }, updateMask: { paths: ["child_jobs"] } });
    script = (await jobs.createJob({ job: valid({ displayName: "Script", glueType: GlueType.SHELL, glueSource: "echo hi" }) })).job?.name ?? "";
  });
  afterAll(async () => {
    await t?.stop();
  });

  const long = (n: number): string => "x".repeat(n);

  /** Each row: a request that must fail with INVALID_ARGUMENT naming `field`, storing nothing. */
  const cases: { what: string; field: string; call: () => Promise<unknown> }[] = [
    { what: "create without a job", field: "job", call: () => jobs.createJob({}) },
    { what: "empty display name", field: "job.display_name", call: () => jobs.createJob({ job: valid({ displayName: "  " }) }) },
    { what: "display name over 255", field: "job.display_name", call: () => jobs.createJob({ job: valid({ displayName: long(256) }) }) },
    { what: "empty author", field: "job.author", call: () => jobs.createJob({ job: valid({ author: "" }) }) },
    { what: "author over 64", field: "job.author", call: () => jobs.createJob({ job: valid({ author: long(65) }) }) },
    { what: "description over 2000", field: "job.description", call: () => jobs.createJob({ job: valid({ description: long(2001) }) }) },
    { what: "param over 2048", field: "job.param", call: () => jobs.createJob({ job: valid({ param: long(2049) }) }) },
    { what: "BEAN job without handler", field: "job.handler", call: () => jobs.createJob({ job: valid({ handler: " " }) }) },
    { what: "handler over 255", field: "job.handler", call: () => jobs.createJob({ job: valid({ handler: long(256) }) }) },
    { what: "unknown group", field: "job.executor_group", call: () => jobs.createJob({ job: valid({ executorGroup: "executorGroups/999999" }) }) },
    { what: "malformed group name", field: "job.executor_group", call: () => jobs.createJob({ job: valid({ executorGroup: "groups/1" }) }) },
    { what: "cron that does not parse", field: "job.schedule.cron", call: () => jobs.createJob({ job: valid({ schedule: { type: ScheduleType.CRON, cron: "0 0 25 * * ?" } }) }) },
    { what: "cron with both day fields", field: "job.schedule.cron", call: () => jobs.createJob({ job: valid({ schedule: { type: ScheduleType.CRON, cron: "0 0 1 1 * MON" } }) }) },
    { what: "fix rate of 0 s", field: "job.schedule.interval", call: () => jobs.createJob({ job: valid({ schedule: { type: ScheduleType.FIX_RATE, interval: { seconds: 0n } } }) }) },
    { what: "fractional fix delay", field: "job.schedule.interval", call: () => jobs.createJob({ job: valid({ schedule: { type: ScheduleType.FIX_DELAY, interval: { seconds: 1n, nanos: 500_000_000 } } }) }) },
    { what: "unknown time zone", field: "job.schedule.time_zone", call: () => jobs.createJob({ job: valid({ schedule: { type: ScheduleType.CRON, cron: "0 0 * * * ?", timeZone: "Mars/Olympus" } }) }) },
    { what: "unknown schedule type", field: "job.schedule.type", call: () => jobs.createJob({ job: valid({ schedule: { type: 99 as ScheduleType } }) }) },
    { what: "unknown block strategy", field: "job.block_strategy", call: () => jobs.createJob({ job: valid({ blockStrategy: 42 as BlockStrategy }) }) },
    { what: "concurrency 0 with CONCURRENT", field: "job.concurrency", call: () => jobs.createJob({ job: valid({ blockStrategy: BlockStrategy.CONCURRENT, concurrency: 0 }) }) },
    { what: "timeout over 7 days", field: "job.timeout", call: () => jobs.createJob({ job: valid({ timeout: { seconds: 8n * 86_400n } }) }) },
    { what: "101 retries", field: "job.retry_policy.max_retries", call: () => jobs.createJob({ job: valid({ retryPolicy: { maxRetries: 101 } }) }) },
    { what: "bad alarm email", field: "job.alarm.emails[1]", call: () => jobs.createJob({ job: valid({ alarm: { emails: ["ops@example.com", "not-an-email"] } }) }) },
    { what: "bad webhook URL", field: "job.alarm.webhook_urls[0]", call: () => jobs.createJob({ job: valid({ alarm: { webhookUrls: ["ftp://example.com/hook"] } }) }) },
    { what: "child that does not exist", field: "job.child_jobs[0]", call: () => jobs.createJob({ job: valid({ childJobs: ["jobs/999999"] }) }) },
    { what: "child repeated", field: "job.child_jobs", call: () => jobs.createJob({ job: valid({ childJobs: [child, child] }) }) },
    { what: "malformed child name", field: "job.child_jobs[0]", call: () => jobs.createJob({ job: valid({ childJobs: ["job/1"] }) }) },
    { what: "update of an output-only field", field: "update_mask.paths[0]", call: () => jobs.updateJob({ job: { name: parent }, updateMask: { paths: ["state"] } }) },
    { what: "update of glue_source through UpdateJob", field: "update_mask.paths[1]", call: () => jobs.updateJob({ job: { name: script }, updateMask: { paths: ["author", "glue_source"] } }) },
    { what: "update with a bad cron", field: "job.schedule.cron", call: () => jobs.updateJob({ job: { name: parent, schedule: { type: ScheduleType.CRON, cron: "nope" } }, updateMask: { paths: ["schedule"] } }) },
    { what: "update clearing the author", field: "job.author", call: () => jobs.updateJob({ job: { name: parent, author: "" }, updateMask: { paths: ["author"] } }) },
    { what: "update making a job its own child", field: "job.child_jobs[0]", call: () => jobs.updateJob({ job: { name: parent, childJobs: [parent] }, updateMask: { paths: ["child_jobs"] } }) },
    { what: "update closing a cycle", field: "job.child_jobs", call: () => jobs.updateJob({ job: { name: child, childJobs: [parent] }, updateMask: { paths: ["child_jobs"] } }) },
    { what: "update moving to an unknown group", field: "job.executor_group", call: () => jobs.updateJob({ job: { name: parent, executorGroup: "executorGroups/999999" }, updateMask: { paths: ["executor_group"] } }) },
    { what: "update with a malformed etag", field: "job.etag", call: () => jobs.updateJob({ job: { name: parent, author: "x", etag: "v1" }, updateMask: { paths: ["author"] } }) },
    { what: "update with a malformed name", field: "job.name", call: () => jobs.updateJob({ job: { name: "jobs/x" } }) },
    { what: "GLUE save with a 3-character remark", field: "glue_remark", call: () => jobs.updateGlueSource({ name: script, glueSource: "echo 2", glueRemark: "abc" }) },
    { what: "GLUE save with a 101-character remark", field: "glue_remark", call: () => jobs.updateGlueSource({ name: script, glueSource: "echo 2", glueRemark: long(101) }) },
    { what: "GLUE save with an empty source", field: "glue_source", call: () => jobs.updateGlueSource({ name: script, glueSource: " \n", glueRemark: "empty one" }) },
    { what: "restore with a malformed version name", field: "name", call: () => jobs.restoreGlueVersion({ name: `${script}/versions/1` }) },
    { what: "trigger param over 2048", field: "param", call: () => jobs.triggerJob({ name: parent, param: long(2049) }) },
    { what: "trigger on a non-http address", field: "addresses[1]", call: () => jobs.triggerJob({ name: parent, addresses: ["http://127.0.0.1:1", "ftp://host"] }) },
    { what: "copy with a display name over 255", field: "display_name", call: () => jobs.copyJob({ name: parent, displayName: long(256) }) },
    { what: "preview without a job or schedule", field: "schedule", call: () => jobs.listNextFireTimes({}) },
    { what: "import with a bad key", field: "jobs[0].key", call: () => jobs.importJobs({ jobs: [{ key: "has space", appName: "validation-app", job: valid() }] }) },
    {
      what: "import repeating a key",
      field: "jobs[1].key",
      call: () => jobs.importJobs({ jobs: [{ key: "k1", appName: "validation-app", job: valid() }, { key: "k1", appName: "validation-app", job: valid() }] }),
    },
    { what: "import into a missing group", field: "jobs[0].app_name", call: () => jobs.importJobs({ jobs: [{ key: "k1", appName: "no-such-app", job: valid() }] }) },
    {
      what: "import creating a group whose app name executors could not use",
      field: "jobs[0].app_name",
      call: () => jobs.importJobs({ jobs: [{ key: "k1", appName: "Bad_App", job: valid() }], createMissingGroups: true }),
    },
    { what: "import of a bad cron", field: "jobs[0].job.schedule.cron", call: () => jobs.importJobs({ jobs: [{ key: "k1", appName: "validation-app", job: valid({ schedule: { type: ScheduleType.CRON, cron: "* *" } }) }] }) },
    {
      what: "import with an unknown child key (after creating the others)",
      field: "jobs[1].child_keys[0]",
      call: () =>
        jobs.importJobs({
          jobs: [
            { key: "k1", appName: "validation-app", job: valid() },
            { key: "k2", appName: "validation-app", job: valid(), childKeys: ["nowhere"] },
          ],
        }),
    },
    {
      what: "import closing a cycle",
      field: "jobs[0].child_keys",
      call: () =>
        jobs.importJobs({
          jobs: [
            { key: "k1", appName: "validation-app", job: valid(), childKeys: ["k2"] },
            { key: "k2", appName: "validation-app", job: valid(), childKeys: ["k1"] },
          ],
        }),
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.what} with INVALID_ARGUMENT naming ${c.field}, and stores nothing`, async () => {
      const before = await storeSnapshot(t.db);
      await expectError(c.call(), Code.InvalidArgument, c.field);
      expect(await storeSnapshot(t.db)).toEqual(before);
    });
  }

  it("stores a valid job after all those refusals (the fixture itself is valid)", async () => {
    const { job } = await jobs.createJob({ job: valid({ displayName: "Finally" }) });
    expect(job?.displayName).toBe("Finally");
  });
});
