import { describe, expect, it } from "vitest";
import { TriggerPools } from "../../../src/admin/trigger/trigger-pools.js";

describe("TriggerPools", () => {
  it("demotes a job to the slow lane after enough slow executor calls in a minute, and forgives it the next minute", () => {
    let now = 60_000;
    const pools = new TriggerPools({ fastConcurrency: 4, slowConcurrency: 1, slowThresholdMs: 500, slowCountPerMinute: 3, now: () => now });
    pools.recordCalls(7, 500);
    for (let i = 0; i < 2; i++) pools.recordCalls(7, 600);
    expect(pools.isSlow(7)).toBe(false);
    pools.recordCalls(7, 600);
    expect(pools.isSlow(7)).toBe(true);
    expect(pools.isSlow(8)).toBe(false);
    now = 180_000;
    expect(pools.isSlow(7)).toBe(false);
  });

  it("does not demote a job whose dispatches are slow only because the admin is busy (its calls are fast)", async () => {
    let now = 60_000;
    const pools = new TriggerPools({ fastConcurrency: 4, slowConcurrency: 1, slowThresholdMs: 500, slowCountPerMinute: 3, now: () => now });
    for (let i = 0; i < 5; i++) {
      await pools.run(7, () => {
        // Waiting for the admin's own database, then a quick executor call.
        now += 2_000;
        pools.recordCalls(7, 5);
        return Promise.resolve();
      });
    }
    expect(pools.isSlow(7)).toBe(false);
  });

  it("bounds concurrency per lane and queues the rest in order, dropping nothing", async () => {
    const pools = new TriggerPools({ fastConcurrency: 2, slowConcurrency: 1, slowThresholdMs: 500, slowCountPerMinute: 3, now: () => 0 });
    let active = 0;
    let peak = 0;
    const finished: number[] = [];
    const releases: (() => void)[] = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      pools.run(1, async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        active--;
        finished.push(i);
      }),
    );
    await Promise.resolve();
    expect(pools.queued.fast).toBe(3);
    while (finished.length < 5) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(tasks);
    expect(peak).toBe(2);
    expect(finished).toEqual([0, 1, 2, 3, 4]);
  });
});
