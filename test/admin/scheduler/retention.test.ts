import { expect, it } from "vitest";
import { finishRun, getRequestKey, getRun, inTransaction, insertPlannedFires, insertRequestKey, insertRun, listPlannedFires, markFiresDispatched } from "../../../src/admin/persistence/index.js";
import { runRetention } from "../../../src/admin/scheduler/retention.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { newRun, seedJob } from "../persistence/fixtures.js";

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2031, 5, 1);

describeEachDatabase("retention", (getDb) => {
  it("deletes finished runs older than the retention period once a day, keeping recent and unfinished ones", async () => {
    const { job } = await seedJob(getDb());
    const old = await insertRun(getDb(), newRun(job, { triggerTime: NOW - 40 * DAY, scheduledTime: NOW - 40 * DAY }));
    await finishRun(getDb(), old.id, { state: "SUCCEEDED", handleMessage: "", handleTime: NOW - 40 * DAY, retryable: true, alarmState: "SKIPPED" });
    const oldButRunning = await insertRun(getDb(), newRun(job, { triggerTime: NOW - 40 * DAY, scheduledTime: NOW - 40 * DAY }));
    const recent = await insertRun(getDb(), newRun(job, { triggerTime: NOW - 2 * DAY, scheduledTime: NOW - 2 * DAY }));
    await finishRun(getDb(), recent.id, { state: "FAILED", handleMessage: "", handleTime: NOW - 2 * DAY, retryable: true, alarmState: "SKIPPED" });

    const first = await runRetention(getDb(), "admin-a", 30, NOW, silentLogger);
    expect(first.ran).toBe(true);
    expect(first.runsDeleted).toBeGreaterThanOrEqual(1);
    expect(await getRun(getDb(), old.id)).toBeUndefined();
    expect(await getRun(getDb(), oldButRunning.id)).toBeDefined();
    expect(await getRun(getDb(), recent.id)).toBeDefined();
    // The same day, neither this admin nor another runs it again.
    expect((await runRetention(getDb(), "admin-a", 30, NOW + 3600_000, silentLogger)).ran).toBe(false);
    expect((await runRetention(getDb(), "admin-b", 30, NOW + 3600_000, silentLogger)).ran).toBe(false);
    // A day later, one of them does.
    expect((await runRetention(getDb(), "admin-b", 30, NOW + DAY + 1, silentLogger)).ran).toBe(true);
  });

  it("keeps every run when retention is 0, but still expires idempotency keys older than 24 h", async () => {
    // Later than the first test's cleanups, whose daily lease would otherwise still hold.
    const at = NOW + 10 * DAY;
    const { job } = await seedJob(getDb());
    const old = await insertRun(getDb(), newRun(job, { triggerTime: at - 400 * DAY, scheduledTime: at - 400 * DAY }));
    await finishRun(getDb(), old.id, { state: "SUCCEEDED", handleMessage: "", handleTime: at - 400 * DAY, retryable: true, alarmState: "SKIPPED" });
    const staleKey = { userId: 1, method: "jobwire.v1.JobService/CreateJob", requestId: "stale-key" };
    const freshKey = { ...staleKey, requestId: "fresh-key" };
    await insertRequestKey(getDb(), staleKey, ["jobs/1"], at - DAY - 1);
    await insertRequestKey(getDb(), freshKey, ["jobs/2"], at - 3600_000);

    const result = await runRetention(getDb(), "admin-a", 0, at, silentLogger);
    expect(result).toEqual({ ran: true, runsDeleted: 0, firesDeleted: 0, requestKeysDeleted: 1 });
    expect(await getRun(getDb(), old.id)).toBeDefined();
    expect(await getRequestKey(getDb(), staleKey)).toBeUndefined();
    expect((await getRequestKey(getDb(), freshKey))?.resources).toEqual(["jobs/2"]);
  });

  it("deletes planned fires dispatched more than a day ago, whatever the run retention, and keeps undispatched ones", async () => {
    const at = NOW + 20 * DAY;
    const { job } = await seedJob(getDb());
    const leaseMs = 1_500;
    // An old dispatched fire, a recent dispatched one and an old one still PLANNED (its admin died, say).
    const instants = [at - 3 * DAY, at - DAY + 3600_000, at - 3 * DAY + 1_000];
    await insertPlannedFires(
      getDb(),
      instants.map((scheduledTime) => ({ jobId: job.id, scheduledTime, triggerType: "SCHEDULE" as const, owner: "admin-a", leaseUntil: scheduledTime + leaseMs })),
      at - 3 * DAY,
    );
    const fires = await listPlannedFires(getDb(), { jobId: job.id }, 10);
    const idAt = (instant: number): number => fires.find((f) => f.scheduledTime === instant)?.id ?? 0;
    await inTransaction(getDb(), (trx) => markFiresDispatched(trx, [idAt(instants[0] as number), idAt(instants[1] as number)], at - DAY, "admin-a"));

    // Run retention 0 keeps every run; the fires' own day applies all the same.
    const result = await runRetention(getDb(), "admin-a", 0, at, silentLogger);
    expect(result.firesDeleted).toBe(1);
    expect((await listPlannedFires(getDb(), { jobId: job.id }, 10)).map((f) => [f.scheduledTime, f.state])).toEqual([
      [instants[2], "PLANNED"],
      [instants[1], "DISPATCHED"],
    ]);
  });
});
