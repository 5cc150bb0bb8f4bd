import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../../../src/admin/scheduler/clock.js";
import { TimerQueue } from "../../../src/admin/scheduler/timer-queue.js";

const fakeClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delay) => setTimeout(callback, delay),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

describe("TimerQueue", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("releases each item at its millisecond, in time order whatever the insertion order", () => {
    const released: [string, number][] = [];
    const queue = new TimerQueue<string>(fakeClock, (item) => released.push([item, Date.now()]));
    queue.add(1_000_300, "c");
    queue.add(1_000_100, "a");
    queue.add(1_000_200, "b");
    vi.advanceTimersByTime(99);
    expect(released).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(released).toEqual([["a", 1_000_100]]);
    vi.advanceTimersByTime(200);
    expect(released).toEqual([["a", 1_000_100], ["b", 1_000_200], ["c", 1_000_300]]);
    expect(queue.size).toBe(0);
  });

  it("keeps insertion order for items due at the same instant", () => {
    const released: number[] = [];
    const queue = new TimerQueue<number>(fakeClock, (item) => released.push(item));
    for (let i = 0; i < 100; i++) queue.add(1_000_050, i);
    vi.advanceTimersByTime(50);
    expect(released).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("releases past instants on the next tick and re-arms for an earlier item added later", () => {
    const released: string[] = [];
    const queue = new TimerQueue<string>(fakeClock, (item) => released.push(item));
    queue.add(1_005_000, "late");
    queue.add(999_000, "overdue");
    vi.advanceTimersByTime(0);
    expect(released).toEqual(["overdue"]);
    queue.add(1_000_010, "early");
    vi.advanceTimersByTime(10);
    expect(released).toEqual(["overdue", "early"]);
  });

  it("orders 10 000 random instants correctly", () => {
    const released: number[] = [];
    const queue = new TimerQueue<number>(fakeClock, (_item, at) => released.push(at));
    for (let i = 0; i < 10_000; i++) {
      const at = 1_000_000 + Math.floor(Math.random() * 5_000);
      queue.add(at, at);
    }
    vi.advanceTimersByTime(5_000);
    expect(released).toHaveLength(10_000);
    expect(released).toEqual([...released].sort((a, b) => a - b));
  });

  it("hands back pending items on drain and releases nothing after stop", () => {
    const released: string[] = [];
    const queue = new TimerQueue<string>(fakeClock, (item) => released.push(item));
    queue.add(1_000_100, "x");
    expect(queue.drain()).toEqual(["x"]);
    queue.stop();
    queue.add(1_000_200, "y");
    vi.advanceTimersByTime(1_000);
    expect(released).toEqual([]);
  });
});
