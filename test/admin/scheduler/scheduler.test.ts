import { timestampMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { getJob, listPlannedFires, setJobSchedule } from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { startFakeExecutor, type FakeExecutor } from "../../helpers/fake-executor.js";
import { adminNodesPerTest, failingAfterCommit, runsOf, seedScheduledJob, T0 } from "./harness.js";

describeEachDatabase("Scheduler", (getDb, dialect) => {
  let executor: FakeExecutor;
  const node = adminNodesPerTest(getDb);

  beforeAll(async () => {
    executor = await startFakeExecutor();
  });
  afterAll(async () => {
    await executor.stop();
  });

  it("claims a job due within the pre-read window, plans its fires two windows ahead and dispatches each at its millisecond", async () => {
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "1" }, T0 + 1_000);
    const a = node(`a-${dialect}-1`);
    const tick = await a.scheduler.tick();
    // Due within the window (T0, T0 + 5 s], planned through T0 + 10 s: instants +1 s … +10 s.
    expect(tick).toMatchObject({ jobsPlanned: 1, firesPlanned: 10, firesQueued: 10 });
    expect((await getJob(getDb(), job.id))?.nextFireTime).toBe(T0 + 11_000);


    // The store work is done within the dispatch lead before the instant; this executor cannot hold runs (it has
    // no RunBatch), so it is called at the instant.
    a.clock.advance(999);
    await a.scheduler.idle();
    expect((await runsOf(getDb(), job.id)).map((r) => r.state)).toEqual(["PENDING"]);
    expect(executor.runs.filter((r) => Number(r.jobId) === job.id)).toEqual([]);
    a.clock.advance(1);
    await a.scheduler.idle();
    const [first] = await runsOf(getDb(), job.id);
    expect(first).toMatchObject({ scheduledTime: T0 + 1_000, triggerTime: T0 + 1_000, triggerType: "SCHEDULE", state: "RUNNING", triggerState: "ACCEPTED" });
    expect(first?.triggerReport?.adminNode).toBe(a.nodeId);
    // A BEAN job: no GLUE source or version travels with the run.
    const request = executor.runs.find((r) => Number(r.jobId) === job.id);
    expect(request).toMatchObject({ handler: job.handler, glueSource: "", timeout: { seconds: 600n } });
    expect(request?.glueUpdateTime).toBeUndefined();

    for (let second = 0; second < 4; second++) {
      a.clock.advance(1_000);
      await a.scheduler.idle();
    }
    const runs = await runsOf(getDb(), job.id);
    expect(runs.map((r) => r.scheduledTime - T0)).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    expect(runs.every((r) => r.triggerTime === r.scheduledTime)).toBe(true);
  });

  it("claims a job again only once its next fire is within the pre-read window, then plans on to the horizon", async () => {
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "1", name: "horizon" }, T0 + 1_000);
    const a = node(`a-${dialect}-horizon`);
    // Other tests' jobs share the database: look at this job's fires only.
    const instants = async () => (await listPlannedFires(getDb(), { jobId: job.id }, 100)).map((f) => (f.scheduledTime - T0) / 1_000);
    await a.scheduler.tick();
    expect(await instants()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Its next fire (T0 + 11 s) is beyond the window until T0 + 6 s.
    a.clock.set(T0 + 5_999);
    await a.scheduler.tick();
    expect((await instants()).length).toBe(10);
    expect((await getJob(getDb(), job.id))?.nextFireTime).toBe(T0 + 11_000);
    a.clock.set(T0 + 6_000);
    await a.scheduler.tick();
    expect((await instants()).slice(10)).toEqual([11, 12, 13, 14, 15, 16]);
    expect((await getJob(getDb(), job.id))?.nextFireTime).toBe(T0 + 17_000);
  });

  it("delivers a fire's runs during the dispatch lead to an executor that can hold them, to start at the instant", async () => {
    const holding = await startFakeExecutor({ runBatch: true });
    try {
      const { job } = await seedScheduledJob(getDb(), holding.url, { scheduleType: "FIX_RATE", scheduleConf: "1", name: "held" }, T0 + 1_000);
      const a = node(`a-${dialect}-held`);
      await a.scheduler.tick();
      // The dispatch lead is 300 ms: at +700 ms the fire's run is written, accepted and on its executor.
      a.clock.advance(700);
      await a.scheduler.idle();
      const [run] = await runsOf(getDb(), job.id);
      expect(run).toMatchObject({ scheduledTime: T0 + 1_000, triggerTime: T0 + 1_000, state: "RUNNING", triggerState: "ACCEPTED" });
      expect(holding.runs.map((r) => [Number(r.runId), r.startTime === undefined ? 0 : timestampMs(r.startTime)])).toEqual([[run?.id, T0 + 1_000]]);
    } finally {
      await holding.stop();
    }
  });

  it("dispatches a burst of fires sharing an instant ahead of the dispatch lead, by its store work, and a lone fire at the lead", async () => {
    const holding = await startFakeExecutor({ runBatch: true });
    try {
      const burst = T0 + 4_000;
      const jobs = await Promise.all(
        Array.from({ length: 200 }, (_, i) => seedScheduledJob(getDb(), holding.url, { scheduleType: "FIX_RATE", scheduleConf: "86400", name: `burst ${i}` }, burst)),
      );
      const lone = await seedScheduledJob(getDb(), holding.url, { scheduleType: "FIX_RATE", scheduleConf: "86400", name: "lone" }, burst + 500);
      const a = node(`a-${dialect}-burst`);
      await a.scheduler.tick();
      // 200 fires at the default 0.25 ms of store work each are released 50 ms before the 300 ms lead.
      a.clock.set(burst - 351);
      await a.scheduler.idle();
      expect(holding.runs).toEqual([]);
      a.clock.set(burst - 350);
      await a.scheduler.idle();
      const held = holding.runs.map((r) => [Number(r.jobId), r.startTime === undefined ? 0 : timestampMs(r.startTime)]);
      expect(held.sort(([x], [y]) => (x ?? 0) - (y ?? 0))).toEqual(jobs.map(({ job }) => [job.id, burst]).sort(([x], [y]) => (x ?? 0) - (y ?? 0)));
      // The lone fire half a second later keeps the plain lead.
      a.clock.set(burst + 500 - 301);
      await a.scheduler.idle();
      expect(holding.runs.filter((r) => Number(r.jobId) === lone.job.id)).toEqual([]);
      a.clock.set(burst + 500 - 300);
      await a.scheduler.idle();
      expect(holding.runs.filter((r) => Number(r.jobId) === lone.job.id).map((r) => (r.startTime === undefined ? 0 : timestampMs(r.startTime)))).toEqual([burst + 500]);
    } finally {
      await holding.stop();
    }
  });

  it("fires every (job, instant) exactly once when two admins plan and dispatch the same jobs", async () => {
    const jobs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "1", name: `pair ${i}` }, T0 + 1_000)),
    );
    const a = node(`a-${dialect}-2`);
    const b = node(`b-${dialect}-2`);
    for (let second = 0; second < 8; second++) {
      await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
      a.clock.advance(1_000);
      b.clock.advance(1_000);
      await Promise.all([a.scheduler.idle(), b.scheduler.idle()]);
    }
    for (const { job } of jobs) {
      const runs = await runsOf(getDb(), job.id);
      const instants = runs.map((r) => r.scheduledTime - T0);
      expect(instants).toEqual([1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000]);
    }
  });

  it("takes over the planned fires of an admin that died after planning them, once", async () => {
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "1" }, T0 + 1_000);
    // Admin a plans and then "dies": its clock never moves again, so its timers never fire.
    const a = node(`a-${dialect}-3`, new FakeClock(T0));
    await a.scheduler.tick();
    const b = node(`b-${dialect}-3`, new FakeClock(T0));
    // Before a's lease ends (instant + 2 s), b leaves a's fires alone.
    b.clock.set(T0 + 2_500);
    await b.scheduler.tick();
    await b.scheduler.idle();
    expect(await runsOf(getDb(), job.id)).toEqual([]);
    // Past the lease of the first fire, b takes it over and dispatches it at once.
    b.clock.set(T0 + 3_001);
    await b.scheduler.tick();
    b.clock.advance(0);
    await b.scheduler.idle();
    const runs = await runsOf(getDb(), job.id);
    expect(runs.map((r) => r.scheduledTime - T0)).toEqual([1_000]);
    expect(runs[0]?.triggerReport?.adminNode).toBe(b.nodeId);
    // a wakes up late: its fire is no longer its own, so it does not dispatch it a second time.
    a.clock.set(T0 + 1_000);
    await a.scheduler.idle();
    expect((await runsOf(getDb(), job.id)).map((r) => r.scheduledTime - T0)).toEqual([1_000]);
  });

  it("dispatches, after a restart under the same node id, the fires its previous process planned, once", async () => {
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "1" }, T0 + 1_000);
    // The first process plans +1 s … +10 s and "dies" without handing its fires back (its clock never moves again).
    const before = node(`r-${dialect}-1`, new FakeClock(T0));
    await before.scheduler.tick();
    const planned = await listPlannedFires(getDb(), { jobId: job.id, state: "PLANNED" }, 20);
    expect(planned.map((f) => [f.scheduledTime - T0, f.owner])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => [s * 1_000, before.nodeId]));
    // The restarted process holds the same lease name: it reads those fires as its own and dispatches them at their
    // instants, within their lease (which ends 2 s after each), rather than taking them over once it ran out.
    const after = node(`r-${dialect}-1`, new FakeClock(T0 + 500));
    await after.scheduler.tick();
    for (const at of [1_000, 2_000, 3_000, 4_000, 5_000]) {
      after.clock.set(T0 + at);
      await after.scheduler.idle();
    }
    const runs = await runsOf(getDb(), job.id);
    expect(runs.map((r) => r.scheduledTime - T0)).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    expect(runs.every((r) => r.triggerTime === r.scheduledTime && r.triggerReport?.adminNode === after.nodeId)).toBe(true);
  });

  it("dispatches the fires of a planning transaction that committed although the database reported it failed", async () => {
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "1" }, T0 + 1_000);
    // A second job, first due one round after the failed one: that round plans fires with higher ids.
    const { job: later } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "1", name: "later" }, T0 + 12_000);
    let failures = 0;
    const a = node(`p-${dialect}-1`, new FakeClock(T0), failingAfterCommit(getDb(), () => failures-- > 0));
    const planned = async (jobId: number) => (await listPlannedFires(getDb(), { jobId, state: "PLANNED" }, 20)).map((f) => f.scheduledTime - T0);
    // Plans +1 s … +10 s; the job is due again once +11 s is within the window, at +6 s.
    await a.scheduler.tick();
    a.clock.advance(6_000);
    await a.scheduler.idle();
    // The round that plans +11 s … +16 s commits but hears an error: the fires are stored, this admin's, and not queued.
    failures = 1;
    await expect(a.scheduler.tick()).rejects.toThrow("connection lost after commit");
    expect(await planned(job.id)).toContain(11_000);
    // The next round plans the other job's first fires, with higher ids; the fires of the failed round must still be
    // read back, not skipped as seen.
    a.clock.advance(1_000);
    await a.scheduler.tick();
    expect(await planned(later.id)).toContain(12_000);
    for (let second = 0; second < 10; second++) {
      a.clock.advance(1_000);
      await a.scheduler.idle();
    }
    // Each instant exactly once (runs of instants dispatched in one go may get their ids in either order).
    const seconds = Array.from({ length: 16 }, (_, i) => (i + 1) * 1_000);
    expect((await runsOf(getDb(), job.id)).map((r) => r.scheduledTime - T0).sort((x, y) => x - y)).toEqual(seconds);
  });

  it("hands its undispatched fires back on stop so another admin dispatches them without waiting for the lease", async () => {
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "2" }, T0 + 2_000);
    const a = node(`a-${dialect}-4`);
    await a.scheduler.tick();
    await a.scheduler.stop();
    // +2 s … +10 s, every 2 s.
    const fires = await listPlannedFires(getDb(), { jobId: job.id }, 10);
    expect(fires.map((f) => [f.scheduledTime - T0, f.owner])).toEqual([2_000, 4_000, 6_000, 8_000, 10_000].map((at) => [at, ""]));
    const b = node(`b-${dialect}-4`);
    b.clock.set(T0 + 2_000);
    await b.scheduler.tick();
    b.clock.advance(0);
    await b.scheduler.idle();
    expect((await runsOf(getDb(), job.id)).map((r) => [r.scheduledTime - T0, r.triggerReport?.adminNode])).toEqual([[2_000, b.nodeId]]);
  });

  it("misfire FIRE_ONCE_NOW fires one MISFIRE run now however many instants were missed, then keeps the FIX_RATE grid", async () => {
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "10", misfireStrategy: "FIRE_ONCE_NOW" }, T0 - 60_000);
    const a = node(`a-${dialect}-5`);
    await a.scheduler.tick();
    a.clock.advance(0);
    await a.scheduler.idle();
    const runs = await runsOf(getDb(), job.id);
    expect(runs.map((r) => [r.triggerType, r.scheduledTime - T0])).toEqual([["MISFIRE", 0]]);
    // Grid T0 - 60 s + k·10 s: the next instant after now, T0 + 10 s, is planned too (within the horizon), as a
    // plain SCHEDULE fire; the one after is T0 + 20 s.
    expect((await listPlannedFires(getDb(), { jobId: job.id, state: "PLANNED" }, 10)).map((f) => [f.triggerType, f.scheduledTime - T0])).toEqual([["SCHEDULE", 10_000]]);
    expect((await getJob(getDb(), job.id))?.nextFireTime).toBe(T0 + 20_000);
  });

  it("misfire DO_NOTHING skips the missed instants; late by less than the threshold still fires", async () => {
    const skipped = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "10", misfireStrategy: "DO_NOTHING" }, T0 - 60_000);
    const late = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "10", misfireStrategy: "DO_NOTHING" }, T0 - 4_000);
    const a = node(`a-${dialect}-6`);
    await a.scheduler.tick();
    a.clock.advance(0);
    await a.scheduler.idle();
    expect(await runsOf(getDb(), skipped.job.id)).toEqual([]);
    // The missed instants are skipped; T0 + 10 s, the first after now, is planned as usual.
    expect((await listPlannedFires(getDb(), { jobId: skipped.job.id, state: "PLANNED" }, 10)).map((f) => f.scheduledTime - T0)).toEqual([10_000]);
    expect((await getJob(getDb(), skipped.job.id))?.nextFireTime).toBe(T0 + 20_000);
    expect((await runsOf(getDb(), late.job.id)).map((r) => [r.triggerType, r.scheduledTime - T0, r.triggerTime - T0])).toEqual([["SCHEDULE", -4_000, 0]]);
  });

  it("stops a job whose schedule has no future instant", async () => {
    // A cron of one past year: nothing after T0 (2030).
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "CRON", scheduleConf: "0 0 0 1 1 ? 2029", misfireStrategy: "DO_NOTHING", timeZone: "UTC" }, T0 - 3_600_000);
    const a = node(`a-${dialect}-7`);
    await a.scheduler.tick();
    expect(await getJob(getDb(), job.id)).toMatchObject({ state: "STOPPED", nextFireTime: 0 });
  });

  it("does not dispatch the planned fires of a job stopped after planning", async () => {
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "1" }, T0 + 1_000);
    const a = node(`a-${dialect}-8`);
    await a.scheduler.tick();
    await setJobSchedule(getDb(), job.id, { state: "STOPPED", nextFireTime: 0, lastFireTime: 0 }, T0);
    a.clock.advance(10_000);
    await a.scheduler.idle();
    expect(await runsOf(getDb(), job.id)).toEqual([]);
    expect((await listPlannedFires(getDb(), { jobId: job.id, state: "PLANNED" }, 10)).length).toBe(0);
  });

  it("records a fire that cannot be dispatched as a failed run with the executor's reason", async () => {
    const { job } = await seedScheduledJob(getDb(), "http://127.0.0.1:9", { scheduleType: "FIX_RATE", scheduleConf: "5" }, T0 + 1_000);
    const a = node(`a-${dialect}-9`);
    await a.scheduler.tick();
    a.clock.advance(1_000);
    await a.scheduler.idle();
    const [run] = await runsOf(getDb(), job.id);
    expect(run).toMatchObject({ state: "FAILED", triggerState: "FAILED", alarmState: "NONE" });
    expect(run?.handleMessage).toMatch(/^trigger failed: /);
    expect(run?.triggerReport?.replyCode).toBe("unavailable");
  });

  it("queues every fire a round planned, however many pick-up reads they take, each by its instant", async () => {
    const jobs = await Promise.all(
      Array.from({ length: 3 }, (_, i) => seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "1", name: `paged ${i}` }, T0 + 1_000)),
    );
    // Reads of 4 fires: 30 fires take 8 of them where the database does not return inserted rows (MySQL/MariaDB).
    const a = node(`a-${dialect}-paged`, new FakeClock(T0), getDb(), 4);
    expect(await a.scheduler.tick()).toMatchObject({ jobsPlanned: 3, firesPlanned: 30, firesQueued: 30 });
    expect(a.scheduler.pending).toBe(30);
    // The earliest instant of every job goes out at that instant, not a round later.
    a.clock.advance(1_000);
    await a.scheduler.idle();
    for (const { job } of jobs) expect((await runsOf(getDb(), job.id)).map((r) => r.scheduledTime)).toEqual([T0 + 1_000]);
    // Last in this block, and stopped: these fires would count in other tests' dispatch pacing.
    for (const { job } of jobs) await setJobSchedule(getDb(), job.id, { state: "STOPPED", nextFireTime: 0, lastFireTime: 0 }, T0);
  });
});
