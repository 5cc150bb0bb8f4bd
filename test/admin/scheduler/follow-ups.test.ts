import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { Run } from "../../../src/admin/domain/index.js";
import { getJob, getRun, listDailyReports, listPlannedFires, setJobSchedule } from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startFakeExecutor, type FakeExecutor } from "../../helpers/fake-executor.js";
import { createAdminNode, runsOf, seedScheduledJob, T0, type AdminNode } from "./harness.js";

describeEachDatabase("run follow-ups", (getDb, dialect) => {
  let executor: FakeExecutor;
  let admin: AdminNode;
  let seq = 0;

  beforeAll(async () => {
    executor = await startFakeExecutor();
  });
  afterAll(async () => {
    await executor.stop();
  });
  afterEach(async () => {
    executor.onRun(() => undefined);
    await admin.scheduler.stop();
    admin.close();
  });
  const start = (): AdminNode => {
    admin = createAdminNode(getDb(), `f-${dialect}-${++seq}`);
    return admin;
  };
  /** Fires the job's first planned instant (T0 + 1 s) and returns its run. */
  const fireOnce = async (jobId: number): Promise<Run> => {
    await admin.scheduler.tick();
    admin.clock.advance(1_000);
    await admin.scheduler.idle();
    const [run] = await runsOf(getDb(), jobId);
    if (run === undefined) throw new Error("no run was fired");
    return run;
  };
  /** Lets the scheduler pick up follow-up fires due by now and dispatch them. */
  const settle = async (): Promise<void> => {
    await admin.scheduler.tick();
    admin.clock.advance(0);
    await admin.scheduler.idle();
  };

  it("retries a failed run after the backoff, as a RETRY of the same shard with one retry less", async () => {
    start();
    const { job } = await seedScheduledJob(
      getDb(),
      executor.url,
      { scheduleType: "FIX_RATE", scheduleConf: "3600", param: "p1", retry: { count: 2, backoff: "FIXED", intervalMs: 2_000, maxIntervalMs: 2_000 } },
      T0 + 1_000,
    );
    const first = await fireOnce(job.id);
    expect(await admin.finisher.finishOne(first, { state: "FAILED", message: "boom", retryable: true })).toBe(true);
    expect((await getRun(getDb(), first.id))?.alarmState).toBe("SKIPPED");
    const [retryFire] = await listPlannedFires(getDb(), { jobId: job.id, state: "PLANNED" }, 10);
    expect(retryFire).toMatchObject({ triggerType: "RETRY", originRunId: first.id, scheduledTime: admin.clock.now() + 2_000 });

    await settle();
    expect(await runsOf(getDb(), job.id)).toHaveLength(1);
    admin.clock.advance(2_000);
    await settle();
    const [, retry] = await runsOf(getDb(), job.id);
    expect(retry).toMatchObject({ triggerType: "RETRY", attempt: 1, retriesLeft: 1, originRunId: first.id, batchId: first.id, param: "p1", state: "RUNNING" });
  });

  it("does not retry a non-retryable failure and leaves its alarm due", async () => {
    start();
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "3600", retry: { count: 3, backoff: "FIXED", intervalMs: 10, maxIntervalMs: 10 } }, T0 + 1_000);
    const run = await fireOnce(job.id);
    await admin.finisher.finishOne(run, { state: "FAILED", message: "bad input", retryable: false });
    expect(await getRun(getDb(), run.id)).toMatchObject({ state: "FAILED", retryable: false, alarmState: "NONE" });
    expect(await listPlannedFires(getDb(), { jobId: job.id, state: "PLANNED" }, 10)).toEqual([]);
  });

  it("stores a KILLED run as not retryable and plans no retry, even when its executor reported it retryable", async () => {
    start();
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "3600", retry: { count: 3, backoff: "FIXED", intervalMs: 10, maxIntervalMs: 10 } }, T0 + 1_000);
    const run = await fireOnce(job.id);
    expect(await admin.finisher.finishOne(run, { state: "KILLED", message: "killed before its instant", retryable: true })).toBe(true);
    expect(await getRun(getDb(), run.id)).toMatchObject({ state: "KILLED", retryable: false, alarmState: "SKIPPED" });
    expect(await listPlannedFires(getDb(), { jobId: job.id, state: "PLANNED" }, 10)).toEqual([]);
  });

  it("applies a result once: a duplicate finish changes nothing and plans no second retry", async () => {
    start();
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "3600", retry: { count: 1, backoff: "FIXED", intervalMs: 10, maxIntervalMs: 10 } }, T0 + 1_000);
    const run = await fireOnce(job.id);
    expect(await admin.finisher.finishOne(run, { state: "FAILED", message: "first", retryable: true })).toBe(true);
    expect(await admin.finisher.finishOne(run, { state: "SUCCEEDED", message: "late duplicate", retryable: true })).toBe(false);
    expect(await getRun(getDb(), run.id)).toMatchObject({ state: "FAILED", handleMessage: "first" });
    expect(await listPlannedFires(getDb(), { jobId: job.id, state: "PLANNED" }, 10)).toHaveLength(1);
  });

  it("fires the children of a succeeded run as PARENT runs, once", async () => {
    start();
    const child = await seedScheduledJob(getDb(), executor.url, { scheduleType: "NONE", scheduleConf: "", name: "child" }, 0);
    await setJobSchedule(getDb(), child.job.id, { state: "STOPPED", nextFireTime: 0, lastFireTime: 0 }, T0);
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "3600", childJobIds: [child.job.id] }, T0 + 1_000);
    const parent = await fireOnce(job.id);
    await admin.finisher.finishOne(parent, { state: "SUCCEEDED", message: "ok", retryable: true });
    await settle();
    const childRuns = await runsOf(getDb(), child.job.id);
    expect(childRuns.map((r) => [r.triggerType, r.originRunId])).toEqual([["PARENT", parent.id]]);
    // The same parent succeeding "again" (a duplicate) fires nothing more.
    await admin.finisher.finishOne(parent, { state: "SUCCEEDED", message: "ok", retryable: true });
    await settle();
    expect(await runsOf(getDb(), child.job.id)).toHaveLength(1);
  });

  it("fires the children of a sharded parent once, after all shards succeeded", async () => {
    start();
    const second = await startFakeExecutor();
    try {
      const child = await seedScheduledJob(getDb(), executor.url, { scheduleType: "NONE", scheduleConf: "", name: "child" }, 0);
      const { job } = await seedScheduledJob(
        getDb(),
        [executor.url, second.url],
        { scheduleType: "FIX_RATE", scheduleConf: "3600", routeStrategy: "SHARDING_BROADCAST", childJobIds: [child.job.id] },
        T0 + 1_000,
      );
      await admin.scheduler.tick();
      admin.clock.advance(1_000);
      await admin.scheduler.idle();
      const shards = await runsOf(getDb(), job.id);
      expect(shards.map((s) => [s.shardIndex, s.shardTotal, s.batchId])).toEqual([
        [0, 2, shards[0]?.id],
        [1, 2, shards[0]?.id],
      ]);
      const [s0, s1] = shards as [Run, Run];
      await admin.finisher.finishOne(s0, { state: "SUCCEEDED", message: "ok", retryable: true });
      await settle();
      expect(await runsOf(getDb(), child.job.id)).toEqual([]);
      await admin.finisher.finishOne(s1, { state: "SUCCEEDED", message: "ok", retryable: true });
      await settle();
      expect((await runsOf(getDb(), child.job.id)).map((r) => r.triggerType)).toEqual(["PARENT"]);
    } finally {
      await second.stop();
    }
  });

  it("FIX_DELAY waits for the run to finish, then fires the delay after its end", async () => {
    start();
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_DELAY", scheduleConf: "30" }, T0 + 1_000);
    const run = await fireOnce(job.id);
    expect((await getJob(getDb(), job.id))?.nextFireTime).toBe(0);
    admin.clock.advance(7_000);
    await admin.finisher.finishOne(run, { state: "SUCCEEDED", message: "ok", retryable: true });
    expect((await getJob(getDb(), job.id))?.nextFireTime).toBe(admin.clock.now() + 30_000);
  });

  it("counts finished runs in the daily report of their trigger day", async () => {
    start();
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "3600" }, T0 + 1_000);
    const run = await fireOnce(job.id);
    const before = (await listDailyReports(getDb(), "2030-01-01", "2030-01-01"))[0];
    await admin.finisher.finishOne(run, { state: "SUCCEEDED", message: "ok", retryable: true });
    const after = (await listDailyReports(getDb(), "2030-01-01", "2030-01-01"))[0];
    expect((after?.succeededCount ?? 0) - (before?.succeededCount ?? 0)).toBe(1);
  });

  it("times out a run past its deadline, tells its executor to kill it, and retries it", async () => {
    start();
    const { job } = await seedScheduledJob(
      getDb(),
      executor.url,
      { scheduleType: "FIX_RATE", scheduleConf: "3600", timeoutSeconds: 5, retry: { count: 1, backoff: "FIXED", intervalMs: 1_000, maxIntervalMs: 1_000 } },
      T0 + 1_000,
    );
    const run = await fireOnce(job.id);
    expect(run.deadlineTime).toBe(run.triggerTime + 5_000 + 10_000);
    admin.clock.set(run.deadlineTime - 1);
    await admin.monitor.sweep();
    expect((await getRun(getDb(), run.id))?.state).toBe("RUNNING");
    admin.clock.set(run.deadlineTime);
    await admin.monitor.sweep();
    expect((await getRun(getDb(), run.id))?.state).toBe("TIMED_OUT");
    await expect.poll(() => executor.kills.some((k) => k.target.case === "runId" && k.target.value === BigInt(run.id))).toBe(true);
    expect((await listPlannedFires(getDb(), { jobId: job.id, state: "PLANNED" }, 10)).map((f) => f.triggerType)).toEqual(["RETRY"]);
  });

  it("marks a run lost when two consecutive beats of its executor do not list it", async () => {
    start();
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "3600" }, T0 + 1_000);
    const run = await fireOnce(job.id);
    admin.clock.advance(30_001);
    await admin.monitor.onBeat(executor.url, new Set([run.id]));
    await admin.monitor.onBeat(executor.url, new Set());
    expect(await getRun(getDb(), run.id)).toMatchObject({ state: "RUNNING", missedBeats: 1 });
    // A beat listing it again resets the count.
    await admin.monitor.onBeat(executor.url, new Set([run.id]));
    expect((await getRun(getDb(), run.id))?.missedBeats).toBe(0);
    await admin.monitor.onBeat(executor.url, new Set());
    await admin.monitor.onBeat(executor.url, new Set());
    const lost = await getRun(getDb(), run.id);
    expect(lost).toMatchObject({ state: "LOST", alarmState: "NONE" });
    expect(lost?.handleMessage).toMatch(/absent from 2 beats/);
  });

  it("fails a run left PENDING by an admin that stopped while dispatching it", async () => {
    start();
    const { job, group } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "3600" }, T0 + 1_000);
    const prepared = await admin.trigger.prepare({ job, group, triggerType: "MANUAL", scheduledTime: T0 });
    const [pending] = await admin.trigger.createRuns(getDb(), prepared);
    if (pending === undefined) throw new Error("no run created");
    admin.clock.advance(60_000);
    await admin.monitor.sweep();
    expect((await getRun(getDb(), pending.id))?.state).toBe("PENDING");
    admin.clock.advance(5_000);
    await admin.monitor.sweep();
    expect(await getRun(getDb(), pending.id)).toMatchObject({ state: "FAILED" });
  });
});
