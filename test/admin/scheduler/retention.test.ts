import { expect, it } from "vitest";
import { finishRun, getRun, insertRun } from "../../../src/admin/persistence/index.js";
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

  it("keeps everything when retention is 0", async () => {
    expect(await runRetention(getDb(), "admin-a", 0, NOW, silentLogger)).toEqual({ ran: false, runsDeleted: 0, firesDeleted: 0 });
  });
});
