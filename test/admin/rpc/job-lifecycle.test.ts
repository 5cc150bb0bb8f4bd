import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GlueType, JobState, ScheduleType } from "../../../src/gen/jobwire/v1/job_pb.js";
import type { ConsoleClients } from "../../helpers/console-client.js";
import { inTransaction, insertPlannedFires, listPlannedFires, markFiresDispatched } from "../../../src/admin/persistence/index.js";
import { startFakeExecutor, type FakeExecutor } from "../../helpers/fake-executor.js";
import { waitFor } from "../../helpers/wait-for.js";
import { describeEachDialect, expectError, startJobTestAdmin, type JobTestAdmin } from "./job-harness.js";

describeEachDialect("JobService lifecycle", (dialect) => {
  let t: JobTestAdmin;
  let jobs: ConsoleClients["jobs"];
  let group = "";
  let groupId = 0;
  let home: FakeExecutor;
  let elsewhere: FakeExecutor;

  const createBean = async (displayName: string, extra: { author?: string; handler?: string; childJobs?: string[] } = {}): Promise<string> => {
    const { job } = await jobs.createJob({
      job: { executorGroup: group, displayName, author: extra.author ?? "lifecycle", handler: extra.handler ?? "beanHandler", param: "job-param", childJobs: extra.childJobs ?? [], schedule: { type: ScheduleType.CRON, cron: "0 0 3 * * ?" } },
    });
    return job?.name ?? "";
  };
  const idOf = (name: string): number => Number(name.split("/")[1]);

  beforeAll(async () => {
    home = await startFakeExecutor();
    elsewhere = await startFakeExecutor();
    t = await startJobTestAdmin(dialect);
    jobs = t.clients.jobs;
    groupId = (await t.group("lifecycle-app", [home.url])).id;
    group = `executorGroups/${groupId}`;
  });
  afterAll(async () => {
    await t?.stop();
    await home?.stop();
    await elsewhere?.stop();
  });

  it("lists with filters on group, state, name, handler and author, in pages bound to the filter", async () => {
    const other = `executorGroups/${(await t.group("lifecycle-other")).id}`;
    for (let i = 0; i < 5; i++) await createBean(`Report ${i}`, { author: i % 2 === 0 ? "alice" : "bob", handler: i < 3 ? "reportHandler" : "mailHandler" });
    await jobs.createJob({ job: { executorGroup: other, displayName: "Report elsewhere", author: "alice", handler: "reportHandler" } });
    const started = await jobs.startJob({ name: await createBean("Report running", { author: "carol" }) });
    expect(started.job?.state).toBe(JobState.RUNNING);

    expect((await jobs.listJobs({ executorGroup: group, displayNameContains: "report" })).totalSize).toBe(6);
    expect((await jobs.listJobs({ displayNameContains: "REPORT" })).totalSize).toBe(7);
    expect((await jobs.listJobs({ executorGroup: group, authorContains: "ali" })).jobs.map((j) => j.displayName)).toEqual(["Report 0", "Report 2", "Report 4"]);
    expect((await jobs.listJobs({ handlerContains: "mail" })).jobs.map((j) => j.displayName)).toEqual(["Report 3", "Report 4"]);
    expect((await jobs.listJobs({ state: JobState.RUNNING })).jobs.map((j) => j.displayName)).toEqual(["Report running"]);

    const first = await jobs.listJobs({ displayNameContains: "report", pageSize: 4 });
    expect(first.jobs).toHaveLength(4);
    const second = await jobs.listJobs({ displayNameContains: "report", pageSize: 4, pageToken: first.nextPageToken });
    expect(second.jobs).toHaveLength(3);
    expect(second.nextPageToken).toBe("");
    await expectError(jobs.listJobs({ displayNameContains: "mail", pageToken: first.nextPageToken }), Code.InvalidArgument, "page_token");
  });

  it("updates only the masked fields, keeps the rest, and refuses a stale etag with ABORTED", async () => {
    const name = await createBean("Masked");
    const { job: before } = await jobs.getJob({ name });
    const { job } = await jobs.updateJob({ job: { name, displayName: "Masked (renamed)", param: "ignored", etag: before?.etag ?? "" }, updateMask: { paths: ["display_name"] } });
    expect(job?.displayName).toBe("Masked (renamed)");
    expect(job?.param).toBe("job-param");
    expect(job?.etag).not.toBe(before?.etag);
    await expectError(jobs.updateJob({ job: { name, author: "late", etag: before?.etag ?? "" }, updateMask: { paths: ["author"] } }), Code.Aborted);
    expect((await jobs.getJob({ name })).job?.author).toBe("lifecycle");
  });

  it("moves a running job to its new schedule when the schedule changes", async () => {
    const name = await createBean("Rescheduled");
    const started = (await jobs.startJob({ name })).job;
    const { job } = await jobs.updateJob({ job: { name, schedule: { type: ScheduleType.FIX_RATE, interval: { seconds: 7n } } }, updateMask: { paths: ["schedule"] } });
    expect(job?.state).toBe(JobState.RUNNING);
    expect(job?.nextFireTime).toBeDefined();
    expect(job?.nextFireTime).not.toEqual(started?.nextFireTime);
    const stopped = (await jobs.updateJob({ job: { name, schedule: { type: ScheduleType.NONE } }, updateMask: { paths: ["schedule"] } })).job;
    expect(stopped?.state).toBe(JobState.STOPPED);
  });

  it("cancels the fires planned for the old schedule when the schedule changes or the job stops, keeping retries and dispatched fires", async () => {
    const plannedOf = async (jobId: number) =>
      (await listPlannedFires(t.db, { jobId }, 100)).map((f) => `${f.triggerType}@${f.scheduledTime - base}:${f.state}`).sort();
    const base = Date.now() + 3_600_000;
    const plan = async (jobId: number) => {
      await insertPlannedFires(
        t.db,
        [
          { jobId, scheduledTime: base, triggerType: "SCHEDULE", owner: "another-admin", leaseUntil: base + 1_500 },
          { jobId, scheduledTime: base + 1_000, triggerType: "SCHEDULE", owner: "another-admin", leaseUntil: base + 2_500 },
          { jobId, scheduledTime: base + 2_000, triggerType: "MISFIRE", owner: "another-admin", leaseUntil: base + 3_500 },
          { jobId, scheduledTime: base + 3_000, triggerType: "RETRY", originRunId: 77 },
        ],
        Date.now(),
      );
      // The admin holding the first one has already marked it dispatched: it runs whatever happens now.
      const [first] = await listPlannedFires(t.db, { jobId }, 1);
      await inTransaction(t.db, (trx) => markFiresDispatched(trx, [first?.id ?? 0], Date.now(), "another-admin"));
    };
    const kept = ["RETRY@3000:PLANNED", "SCHEDULE@0:DISPATCHED"];

    const rescheduled = await createBean("Rescheduled with planned fires");
    await jobs.startJob({ name: rescheduled });
    await plan(idOf(rescheduled));
    // A change that leaves the schedule alone cancels nothing.
    await jobs.updateJob({ job: { name: rescheduled, param: "other" }, updateMask: { paths: ["param"] } });
    expect(await plannedOf(idOf(rescheduled))).toHaveLength(4);
    await jobs.updateJob({ job: { name: rescheduled, schedule: { type: ScheduleType.FIX_RATE, interval: { seconds: 7n } } }, updateMask: { paths: ["schedule"] } });
    expect(await plannedOf(idOf(rescheduled))).toEqual(kept);

    const stopped = await createBean("Stopped with planned fires");
    await jobs.startJob({ name: stopped });
    await plan(idOf(stopped));
    await jobs.stopJob({ name: stopped });
    expect(await plannedOf(idOf(stopped))).toEqual(kept);
  });

  it("starts and stops, refusing to start a job without a schedule", async () => {
    const name = await createBean("Start stop");
    expect((await jobs.startJob({ name })).job?.state).toBe(JobState.RUNNING);
    const stopped = (await jobs.stopJob({ name })).job;
    expect(stopped?.state).toBe(JobState.STOPPED);
    expect(stopped?.nextFireTime).toBeUndefined();
    const manual = (await jobs.createJob({ job: { executorGroup: group, displayName: "Manual", author: "x", handler: "h", schedule: { type: ScheduleType.NONE } } })).job?.name ?? "";
    await expectError(jobs.startJob({ name: manual }), Code.FailedPrecondition);
  });

  it("triggers once with the job's param, with a param override (also empty), and on an override address", async () => {
    const name = await createBean("Triggered");
    const count = home.runs.length;
    const plain = await jobs.triggerJob({ name });
    const overridden = await jobs.triggerJob({ name, param: "one-off" });
    const emptied = await jobs.triggerJob({ name, param: "" });
    expect([plain.runs, overridden.runs, emptied.runs].every((r) => r.length === 1)).toBe(true);
    const requests = await waitFor("three runs at the group's executor", () => (home.runs.length >= count + 3 ? home.runs.slice(count) : undefined));
    expect(requests.map((r) => r.param).sort()).toEqual(["", "job-param", "one-off"]);

    const redirected = await jobs.triggerJob({ name, param: "there", addresses: [`${elsewhere.url}/`] });
    const atElsewhere = await waitFor("the run at the override address", () => elsewhere.runs.find((r) => r.param === "there"));
    expect(Number(atElsewhere.runId)).toBe(idOf(redirected.runs[0] ?? ""));
    const row = await waitFor("the redirected run's trigger result", async () => {
      const r = await t.db.selectFrom("jw_run").select(["executor_address"]).where("id", "=", idOf(redirected.runs[0] ?? "")).executeTakeFirst();
      return r?.executor_address === "" ? undefined : r;
    });
    expect(row.executor_address).toBe(elsewhere.url);
  });

  it("copies a job as a new stopped job with the same definition and GLUE source", async () => {
    const { job: script } = await jobs.createJob({
      job: { executorGroup: group, displayName: "Script", author: "x", glueType: GlueType.PYTHON, glueSource: "print(1)", schedule: { type: ScheduleType.CRON, cron: "0 0 3 * * ?" } },
    });
    await jobs.startJob({ name: script?.name ?? "" });
    const { job: copy } = await jobs.copyJob({ name: script?.name ?? "" });
    expect(copy?.name).not.toBe(script?.name);
    expect(copy?.displayName).toBe("Script (copy)");
    expect(copy?.state).toBe(JobState.STOPPED);
    expect(copy?.glueSource).toBe("print(1)");
    expect({ ...copy, name: "", displayName: "", etag: "", createTime: undefined, updateTime: undefined, glueUpdateTime: undefined, glueRemark: "", state: 0, nextFireTime: undefined }).toEqual({
      ...script,
      name: "",
      displayName: "",
      etag: "",
      createTime: undefined,
      updateTime: undefined,
      glueUpdateTime: undefined,
      glueRemark: "",
      state: 0,
      nextFireTime: undefined,
    });
    const named = (await jobs.copyJob({ name: script?.name ?? "", displayName: "  Named copy " })).job;
    expect(named?.displayName).toBe("Named copy");
    expect((await jobs.listGlueVersions({ parent: named?.name ?? "" })).glueVersions.map((v) => v.source)).toEqual(["print(1)"]);
  });

  it("deletes a job with its runs, planned fires and GLUE history, and refuses while it is another job's child", async () => {
    const { job } = await jobs.createJob({ job: { executorGroup: group, displayName: "Doomed", author: "x", glueType: GlueType.SHELL, glueSource: "echo 1", schedule: { type: ScheduleType.NONE } } });
    const name = job?.name ?? "";
    const id = idOf(name);
    await jobs.updateGlueSource({ name, glueSource: "echo 2", glueRemark: "second version" });
    await jobs.triggerJob({ name });
    await jobs.triggerJob({ name });
    await t.db.insertInto("jw_planned_fire").values({ job_id: id, scheduled_time: Date.now() + 3_600_000, trigger_type: "RETRY", state: "PLANNED", owner: "", lease_until: 0, create_time: Date.now(), dispatch_time: 0, origin_run_id: 1 }).execute();
    const parent = await createBean("Parent of doomed", { childJobs: [name] });
    const count = async (table: "jw_run" | "jw_glue_version" | "jw_planned_fire"): Promise<number> =>
      (await t.db.selectFrom(table).select("id").where("job_id", "=", id).execute()).length;
    expect(await count("jw_run")).toBe(2);
    expect(await count("jw_glue_version")).toBe(2);
    expect(await count("jw_planned_fire")).toBe(1);

    await expectError(jobs.deleteJob({ name }), Code.FailedPrecondition);
    await jobs.updateJob({ job: { name: parent, childJobs: [] }, updateMask: { paths: ["child_jobs"] } });
    await expectError(jobs.deleteJob({ name, etag: 'W/"1"' }), Code.Aborted);
    await jobs.deleteJob({ name });
    await expectError(jobs.getJob({ name }), Code.NotFound);
    expect([await count("jw_run"), await count("jw_glue_version"), await count("jw_planned_fire")]).toEqual([0, 0, 0]);
  });

  it("writes an audit entry with before and after for every mutation, in the change's transaction", async () => {
    const name = await createBean("Audited");
    await jobs.updateJob({ job: { name, author: "new author" }, updateMask: { paths: ["author"] } });
    await jobs.startJob({ name });
    await jobs.stopJob({ name });
    const { runs } = await jobs.triggerJob({ name, param: "audited" });
    const copy = (await jobs.copyJob({ name })).job?.name ?? "";
    await jobs.deleteJob({ name: copy });
    const entries = await t.audit(name);
    expect(entries.map((e) => e.action)).toEqual([
      "jobwire.v1.JobService/CreateJob",
      "jobwire.v1.JobService/UpdateJob",
      "jobwire.v1.JobService/StartJob",
      "jobwire.v1.JobService/StopJob",
      "jobwire.v1.JobService/TriggerJob",
    ]);
    expect(entries.every((e) => e.actorName === "admin")).toBe(true);
    const [created, updated, started] = entries;
    expect(created?.before).toBe("");
    expect(JSON.parse(created?.after ?? "{}")).toMatchObject({ name: "Audited", author: "lifecycle" });
    expect(JSON.parse(updated?.before ?? "{}")).toMatchObject({ author: "lifecycle" });
    expect(JSON.parse(updated?.after ?? "{}")).toMatchObject({ author: "new author" });
    expect(JSON.parse(started?.after ?? "{}")).toMatchObject({ state: "RUNNING" });
    expect(JSON.parse(entries[4]?.after ?? "{}")).toMatchObject({ param: "audited", runs });
    expect((await t.audit(copy)).map((e) => [e.action, e.before === "", e.after === ""])).toEqual([
      ["jobwire.v1.JobService/CopyJob", true, false],
      ["jobwire.v1.JobService/DeleteJob", false, true],
    ]);
  });

  it("audits nothing for a refused mutation", async () => {
    const name = await createBean("Refused");
    const before = (await t.audit(name)).length;
    await expectError(jobs.updateJob({ job: { name, author: "" }, updateMask: { paths: ["author"] } }), Code.InvalidArgument, "job.author");
    expect((await t.audit(name)).length).toBe(before);
  });
});
