import { describe, expect, it } from "vitest";
import { planFires, type PlanningInput } from "../../../src/admin/schedule/fire-planner.js";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const input: PlanningInput = { now: T0, horizonMs: 5_000, misfireThresholdMs: 5_000, defaultTimeZone: "UTC", maxFiresPerJob: 1_000 };
const rate = (seconds: number, next: number) => ({ scheduleType: "FIX_RATE" as const, scheduleConf: String(seconds), timeZone: "", misfireStrategy: "DO_NOTHING" as const, nextFireTime: next, lastFireTime: 0 });

describe("planFires()", () => {
  it("plans every FIX_RATE instant of the pre-read window at its exact time", () => {
    const plan = planFires(rate(1, T0 + 200), input);
    expect(plan.fires.map((f) => f.scheduledTime - T0)).toEqual([200, 1_200, 2_200, 3_200, 4_200]);
    expect(plan.nextFireTime).toBe(T0 + 5_200);
    expect(plan.lastFireTime).toBe(T0 + 4_200);
    expect(plan.keepRunning).toBe(true);
  });

  it("fires a fire that is late by less than the threshold, keeping its planned instant", () => {
    const plan = planFires(rate(60, T0 - 3_000), input);
    expect(plan.fires).toEqual([{ scheduledTime: T0 - 3_000, triggerType: "SCHEDULE" }]);
    expect(plan.nextFireTime).toBe(T0 + 57_000);
    expect(plan.misfired).toBe(false);
  });

  it("skips missed fires with DO_NOTHING and keeps the FIX_RATE phase", () => {
    const plan = planFires(rate(10, T0 - 35_000), { ...input, horizonMs: 0 });
    expect(plan.fires).toEqual([]);
    expect(plan.misfired).toBe(true);
    expect(plan.nextFireTime).toBe(T0 + 5_000);
  });

  it("fires once now with FIRE_ONCE_NOW however many fires were missed", () => {
    const plan = planFires({ ...rate(1, T0 - 3_600_000), misfireStrategy: "FIRE_ONCE_NOW" }, { ...input, horizonMs: 0 });
    expect(plan.fires).toEqual([{ scheduledTime: T0, triggerType: "MISFIRE" }]);
  });

  it("evaluates cron in the job's zone and plans the instants in the window", () => {
    const job = { scheduleType: "CRON" as const, scheduleConf: "0/2 * * * * ?", timeZone: "Asia/Shanghai", misfireStrategy: "DO_NOTHING" as const, nextFireTime: T0, lastFireTime: 0 };
    expect(planFires(job, input).fires.map((f) => f.scheduledTime - T0)).toEqual([0, 2_000, 4_000]);
  });

  it("stops a cron job whose schedule has no future instant", () => {
    const newYear = Date.parse("2026-01-01T00:00:00Z");
    const job = { scheduleType: "CRON" as const, scheduleConf: "0 0 0 1 1 ? 2026", timeZone: "UTC", misfireStrategy: "DO_NOTHING" as const, nextFireTime: newYear, lastFireTime: 0 };
    const plan = planFires(job, { ...input, now: newYear - 1_000 });
    expect(plan.fires).toHaveLength(1);
    expect(plan.nextFireTime).toBe(0);
    expect(plan.keepRunning).toBe(false);
  });

  it("plans one FIX_DELAY fire and then waits for the run to finish", () => {
    const job = { scheduleType: "FIX_DELAY" as const, scheduleConf: "1", timeZone: "", misfireStrategy: "DO_NOTHING" as const, nextFireTime: T0, lastFireTime: 0 };
    const plan = planFires(job, input);
    expect(plan.fires).toEqual([{ scheduledTime: T0, triggerType: "SCHEDULE" }]);
    expect(plan.nextFireTime).toBe(0);
    expect(plan.keepRunning).toBe(true);
  });

  it("never plans more than the per-job cap", () => {
    expect(planFires(rate(1, T0), { ...input, horizonMs: 60_000, maxFiresPerJob: 7 }).fires).toHaveLength(7);
  });
});
