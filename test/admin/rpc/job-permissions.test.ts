import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ScheduleType } from "../../../src/gen/jobwire/v1/job_pb.js";
import type { ConsoleClients } from "../../helpers/console-client.js";
import { startFakeExecutor, type FakeExecutor } from "../../helpers/fake-executor.js";
import { describeEachDialect, expectError, startJobTestAdmin, storeSnapshot, type JobTestAdmin } from "./job-harness.js";

describeEachDialect("JobService permissions of normal users", (dialect) => {
  let t: JobTestAdmin;
  let user: ConsoleClients;
  let executor: FakeExecutor;
  let mine = "";
  let theirs = "";
  let myJob = "";
  let theirJob = "";

  beforeAll(async () => {
    executor = await startFakeExecutor();
    t = await startJobTestAdmin(dialect);
    const a = await t.group("perm-mine", [executor.url]);
    const b = await t.group("perm-theirs");
    mine = `executorGroups/${a.id}`;
    theirs = `executorGroups/${b.id}`;
    const job = (group: string, displayName: string) => ({ executorGroup: group, displayName, author: "perm", handler: "h", schedule: { type: ScheduleType.NONE } });
    theirJob = (await t.clients.jobs.createJob({ job: job(theirs, "Theirs") })).job?.name ?? "";
    user = await t.normalUser("perm-user", [a.id]);
    myJob = (await user.jobs.createJob({ job: job(mine, "Mine") })).job?.name ?? "";
  });
  afterAll(async () => {
    await t?.stop();
    await executor?.stop();
  });

  it("sees only jobs of its groups: others are NOT_FOUND and absent from lists and exports", async () => {
    for (const call of [
      () => user.jobs.getJob({ name: theirJob }),
      () => user.jobs.startJob({ name: theirJob }),
      () => user.jobs.stopJob({ name: theirJob }),
      () => user.jobs.triggerJob({ name: theirJob }),
      () => user.jobs.copyJob({ name: theirJob }),
      () => user.jobs.deleteJob({ name: theirJob }),
      () => user.jobs.listNextFireTimes({ name: theirJob }),
      () => user.jobs.listGlueVersions({ parent: theirJob }),
      () => user.jobs.exportJobs({ names: [theirJob] }),
      () => user.jobs.listJobs({ executorGroup: theirs }),
    ]) {
      await expectError(call(), Code.NotFound);
    }
    expect((await user.jobs.listJobs({})).jobs.map((j) => j.name)).toEqual([myJob]);
    expect((await user.jobs.exportJobs({})).jobs.map((j) => j.job?.displayName)).toEqual(["Mine"]);
  });

  it("cannot move its job into a group it lacks, nor another group's job into its own; nothing changes", async () => {
    const before = await storeSnapshot(t.db);
    await expectError(user.jobs.updateJob({ job: { name: myJob, executorGroup: theirs }, updateMask: { paths: ["executor_group"] } }), Code.InvalidArgument, "job.executor_group");
    await expectError(user.jobs.updateJob({ job: { name: theirJob, executorGroup: mine }, updateMask: { paths: ["executor_group"] } }), Code.NotFound);
    await expectError(user.jobs.createJob({ job: { executorGroup: theirs, displayName: "Sneaky", author: "perm", handler: "h" } }), Code.InvalidArgument, "job.executor_group");
    expect(await storeSnapshot(t.db)).toEqual(before);
  });

  it("cannot link a job of another group as a child", async () => {
    const before = await storeSnapshot(t.db);
    await expectError(user.jobs.updateJob({ job: { name: myJob, childJobs: [theirJob] }, updateMask: { paths: ["child_jobs"] } }), Code.InvalidArgument, "job.child_jobs[0]");
    await expectError(user.jobs.createJob({ job: { executorGroup: mine, displayName: "Parent", author: "perm", handler: "h", childJobs: [theirJob] } }), Code.InvalidArgument, "job.child_jobs[0]");
    expect(await storeSnapshot(t.db)).toEqual(before);
  });

  it("may trigger on its group's own executors but not on other addresses (administrators may)", async () => {
    const before = await storeSnapshot(t.db);
    await expectError(user.jobs.triggerJob({ name: myJob, addresses: ["http://169.254.169.254:80"] }), Code.PermissionDenied);
    expect(await storeSnapshot(t.db)).toEqual(before);
    expect((await user.jobs.triggerJob({ name: myJob, addresses: [executor.url] })).runs).toHaveLength(1);
    expect((await t.clients.jobs.triggerJob({ name: myJob, addresses: ["http://127.0.0.1:1"] })).runs).toHaveLength(1);
  });

  it("cannot import into a group it lacks, nor create groups by importing", async () => {
    const before = await storeSnapshot(t.db);
    const job = { displayName: "Imported", author: "perm", handler: "h" };
    await expectError(user.jobs.importJobs({ jobs: [{ key: "perm-1", appName: "perm-theirs", job }] }), Code.InvalidArgument, "jobs[0].app_name");
    await expectError(user.jobs.importJobs({ jobs: [{ key: "perm-1", appName: "perm-new-app", job }], createMissingGroups: true }), Code.PermissionDenied);
    const exported = await t.clients.jobs.exportJobs({ names: [theirJob] });
    const moved = exported.jobs.map((j) => ({ ...j, appName: "perm-mine" }));
    await expectError(user.jobs.importJobs({ jobs: moved }), Code.InvalidArgument, "jobs[0].key");
    expect(await storeSnapshot(t.db)).toEqual(before);
    const ok = await user.jobs.importJobs({ jobs: [{ key: "perm-1", appName: "perm-mine", job }] });
    expect(ok.createdCount).toBe(1);
  });
});
