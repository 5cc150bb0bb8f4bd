import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../../../src/admin/scheduler/clock.js";
import { DispatchPacer, type DispatchPacerOptions } from "../../../src/admin/scheduler/dispatch-pacer.js";

const fakeClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delay) => setTimeout(callback, delay),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const NOW = 1_000_000;
/** An instant far enough ahead that even a capped early release lies in the future. */
const T = NOW + 10_000;

interface Release<T> {
  readonly item: T;
  readonly instant: number;
  /** Date.now() when the pacer released the item. */
  readonly at: number;
}

function pacerWith<T>(options: Partial<DispatchPacerOptions> = {}): { pacer: DispatchPacer<T>; released: Release<T>[] } {
  const released: Release<T>[] = [];
  const pacer = new DispatchPacer<T>(fakeClock, { leadMs: 300, maxLeadMs: 5_000, initialCostMs: 0.25, ...options }, (item, instant) => {
    released.push({ item, instant, at: Date.now() });
  });
  return { pacer, released };
}

/** Moves the fake clock to `time` (epoch ms), firing the timers due on the way. */
function advanceTo(time: number): void {
  const delta = time - Date.now();
  if (delta < 0) throw new Error(`cannot move the clock back from ${Date.now()} to ${time}`);
  vi.advanceTimersByTime(delta);
}

/**
 * Moves the clock to 1 ms before `at`, where only `before` items may have been released, then to `at`, where
 * `count` items in all must have been.
 */
function expectReleasedAt(released: readonly unknown[], at: number, count: number, before = 0): void {
  advanceTo(at - 1);
  expect(released).toHaveLength(before);
  advanceTo(at);
  expect(released).toHaveLength(count);
}

/** 100 items at T (released at T − 325) and 100 at T + 1000 (released at T + 675), re-planned. */
async function twoBucketsOf100(): Promise<{ pacer: DispatchPacer<number>; released: Release<number>[] }> {
  const made = pacerWith<number>();
  addMany(made.pacer, T, range(100));
  addMany(made.pacer, T + 1_000, range(100, 100));
  await replan();
  return made;
}

/** Lets the re-plan queued by `add` run. */
async function replan(): Promise<void> {
  await Promise.resolve();
}

function addMany<T>(pacer: DispatchPacer<T>, instant: number, items: readonly T[]): void {
  for (const item of items) pacer.add(instant, item);
}

function range(count: number, from = 0): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/** The distinct release times, in release order. */
function releaseTimes<T>(released: readonly Release<T>[]): number[] {
  return [...new Set(released.map((r) => r.at))];
}

describe("DispatchPacer", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe("release time of one bucket", () => {
    it("releases a lone item exactly leadMs before its instant, not a millisecond earlier", async () => {
      const { pacer, released } = pacerWith<string>();
      pacer.add(T, "x");
      await replan();
      expect(pacer.size).toBe(1);
      advanceTo(T - 301);
      expect(released).toEqual([]);
      advanceTo(T - 300);
      expect(released).toEqual([{ item: "x", instant: T, at: T - 300 }]);
      expect(pacer.size).toBe(0);
    });

    it("releases 10 000 items of one instant together, cost × count before instant − leadMs, and only once", async () => {
      const { pacer, released } = pacerWith<number>();
      addMany(pacer, T, range(10_000));
      await replan();
      advanceTo(T - 300 - 2_500 - 1);
      expect(released).toEqual([]);
      expect(pacer.size).toBe(10_000);
      advanceTo(T - 300 - 2_500);
      expect(released).toHaveLength(10_000);
      expect(releaseTimes(released)).toEqual([T - 2_800]);
      expect(pacer.size).toBe(0);
      // The bucket was also queued for instant − leadMs when it was added; that older entry must release nothing.
      advanceTo(T + 1_000);
      expect(released).toHaveLength(10_000);
    });

    it("never releases earlier than maxLeadMs before the instant", async () => {
      const { pacer, released } = pacerWith<number>({ maxLeadMs: 1_000 });
      addMany(pacer, T, range(10_000));
      await replan();
      expectReleasedAt(released, T - 1_000, 10_000);
      expect(releaseTimes(released)).toEqual([T - 1_000]);
    });

    it("with maxLeadMs equal to leadMs releases a burst at instant − leadMs like a lone item", async () => {
      const { pacer, released } = pacerWith<number>({ leadMs: 300, maxLeadMs: 300 });
      addMany(pacer, T, range(10_000));
      await replan();
      expectReleasedAt(released, T - 300, 10_000);
    });

    it("rounds a fractional start up to the next millisecond", async () => {
      // 0.3 × 9 = 2.7 ms of work: start at instant − 302.7, released at instant − 302 (not rounded to − 303).
      const { pacer, released } = pacerWith<number>({ initialCostMs: 0.3 });
      addMany(pacer, T, range(9));
      await replan();
      expectReleasedAt(released, T - 302, 9);
      expect(releaseTimes(released)).toEqual([T - 302]);
    });

    it("arms a new bucket at instant − leadMs synchronously, before its re-plan has run", () => {
      const { pacer, released } = pacerWith<number>();
      addMany(pacer, T, range(10_000));
      // No await: the re-plan microtask has not run while the clock moves.
      vi.advanceTimersByTime(T - 301 - NOW);
      expect(released).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(released).toHaveLength(10_000);
      expect(releaseTimes(released)).toEqual([T - 300]);
    });

    it("uses 0.25 ms per item when no initial cost is given", async () => {
      const released: number[] = [];
      const pacer = new DispatchPacer<number>(fakeClock, { leadMs: 300, maxLeadMs: 5_000 }, () => released.push(Date.now()));
      expect(pacer.costPerFireMs).toBe(0.25);
      addMany(pacer, T, range(400));
      await replan();
      expectReleasedAt(released, T - 400, 400);
    });
  });

  describe("chaining buckets", () => {
    it("moves a bucket earlier when a later bucket's work reaches back into it", async () => {
      const { pacer, released } = pacerWith<string>();
      addMany(pacer, T, range(400).map((i) => `a${i}`));
      addMany(pacer, T + 1_000, range(6_000).map((i) => `b${i}`));
      await replan();
      // Backwards: B starts at (T + 1000 − 300) − 0.25 × 6000 = T − 800;
      // A starts at min(T − 300, T − 800) − 0.25 × 400 = T − 900 (alone it would be T − 400).
      expectReleasedAt(released, T - 900, 400);
      expect(released.every((r) => r.instant === T && r.at === T - 900)).toBe(true);
      expectReleasedAt(released, T - 800, 6_400, 400);
      expect(released.slice(400).every((r) => r.instant === T + 1_000 && r.at === T - 800)).toBe(true);
      advanceTo(T + 2_000);
      expect(released).toHaveLength(6_400);
    });

    it("chains through the uncapped start but caps each bucket at its own maxLeadMs", async () => {
      const { pacer, released } = pacerWith<string>({ maxLeadMs: 700 });
      addMany(pacer, T, range(400).map((i) => `a${i}`));
      addMany(pacer, T + 1_000, range(6_000).map((i) => `b${i}`));
      await replan();
      // As above, A starts at T − 900 and B at T − 800, but neither is released more than 700 ms ahead.
      expectReleasedAt(released, T - 700, 400);
      expectReleasedAt(released, T + 300, 6_400, 400);
    });

    it("chains across three buckets", async () => {
      const { pacer, released } = pacerWith<string>();
      pacer.add(T, "a");
      addMany(pacer, T + 100, range(800).map((i) => `b${i}`));
      addMany(pacer, T + 500, range(2_000).map((i) => `c${i}`));
      await replan();
      // C: (T + 200) − 500 = T − 300; B: min(T − 200, T − 300) − 200 = T − 500; A: min(T − 300, T − 500) − 0.25 = T − 500.25 → T − 500.
      expectReleasedAt(released, T - 500, 801);
      expect(released.every((r) => r.at === T - 500 && r.instant <= T + 100)).toBe(true);
      expect(released.map((r) => r.item)).toContain("a");
      expectReleasedAt(released, T - 300, 2_801, 801);
    });

    it("keeps instant − leadMs for lone items far apart", async () => {
      const { pacer, released } = pacerWith<string>();
      pacer.add(T + 1_000, "later");
      pacer.add(T, "earlier");
      await replan();
      advanceTo(T + 2_000);
      expect(released).toEqual([
        { item: "earlier", instant: T, at: T - 300 },
        { item: "later", instant: T + 1_000, at: T + 700 },
      ]);
    });

    it("does not pull an earlier bucket forward for a burst whose work ends before it", async () => {
      const { pacer, released } = pacerWith<string>();
      addMany(pacer, T, range(400).map((i) => `a${i}`));
      addMany(pacer, T + 5_000, range(6_000).map((i) => `b${i}`));
      await replan();
      // B starts at T + 4700 − 1500 = T + 3200, after A's own T − 300; A keeps T − 300 − 100.
      expectReleasedAt(released, T - 400, 400);
      expectReleasedAt(released, T + 3_200, 6_400, 400);
    });
  });

  describe("release order", () => {
    it("releases items of earlier instants first within one timer turn, and items of one instant in insertion order", async () => {
      const { pacer, released } = pacerWith<string>();
      // All four release times have passed, so everything goes out on the same timer turn.
      pacer.add(NOW + 200, "b1");
      pacer.add(NOW + 100, "a1");
      pacer.add(NOW + 200, "b2");
      pacer.add(NOW + 100, "a2");
      await replan();
      vi.advanceTimersByTime(0);
      expect(released).toEqual([
        { item: "a1", instant: NOW + 100, at: NOW },
        { item: "a2", instant: NOW + 100, at: NOW },
        { item: "b1", instant: NOW + 200, at: NOW },
        { item: "b2", instant: NOW + 200, at: NOW },
      ]);
    });

    it("keeps insertion order among 1 000 items of one instant", async () => {
      const { pacer, released } = pacerWith<number>();
      addMany(pacer, T, range(1_000));
      await replan();
      advanceTo(T);
      expect(released.map((r) => r.item)).toEqual(range(1_000));
    });

    // The re-plan walks the buckets latest instant first; were it to queue each moved bucket at once, two buckets
    // moved to the same millisecond would go out later instant first (TimerQueue breaks ties by insertion order).
    it("releases the earlier instant first when a re-plan moves two buckets to the same millisecond", async () => {
      const { pacer, released } = pacerWith<string>();
      pacer.add(T, "a");
      addMany(pacer, T + 1, range(10).map((i) => `b${i}`));
      await replan();
      // B: (T + 1 − 300) − 2.5 = T − 301.5 → T − 301; A: min(T − 300, T − 301.5) − 0.25 = T − 301.75 → T − 301.
      expectReleasedAt(released, T - 301, 11);
      expect(released[0]).toEqual({ item: "a", instant: T, at: T - 301 });
    });
  });

  describe("late additions", () => {
    it("releases an item whose release time has passed on the next timer turn, not synchronously", async () => {
      const { pacer, released } = pacerWith<string>();
      pacer.add(NOW + 100, "soon");
      pacer.add(NOW - 5_000, "overdue");
      expect(released).toEqual([]);
      await replan();
      expect(released).toEqual([]);
      vi.advanceTimersByTime(0);
      expect(released).toEqual([
        { item: "overdue", instant: NOW - 5_000, at: NOW },
        { item: "soon", instant: NOW + 100, at: NOW },
      ]);
      expect(pacer.size).toBe(0);
    });

    it("gives an item added for an already released instant its own release", async () => {
      const { pacer, released } = pacerWith<string>();
      pacer.add(T, "first");
      await replan();
      advanceTo(T - 300);
      expect(released.map((r) => r.item)).toEqual(["first"]);
      advanceTo(T - 200);
      pacer.add(T, "second");
      expect(pacer.size).toBe(1);
      await replan();
      expect(released.map((r) => r.item)).toEqual(["first"]);
      vi.advanceTimersByTime(0);
      expect(released).toEqual([
        { item: "first", instant: T, at: T - 300 },
        { item: "second", instant: T, at: T - 200 },
      ]);
      expect(pacer.size).toBe(0);
      advanceTo(T + 1_000);
      expect(released).toHaveLength(2);
    });
  });

  describe("re-planning", () => {
    it("forgets a released instant, so a new bucket for it is held and drained once", async () => {
      const { pacer, released } = pacerWith<string>();
      pacer.add(T, "first");
      await replan();
      advanceTo(T - 300);
      expect(released).toHaveLength(1);
      pacer.add(T, "second");
      expect(pacer.size).toBe(1);
      expect(pacer.drain()).toEqual(["second"]);
      await replan();
      advanceTo(T + 1_000);
      expect(released.map((r) => r.item)).toEqual(["first"]);
    });

    it("moves a bucket earlier by the cost of items added after its re-plan", async () => {
      const { pacer, released } = pacerWith<number>();
      addMany(pacer, T, range(10_000));
      await replan();
      // Re-planned for T − 2800; four more items are one more millisecond of work.
      addMany(pacer, T, range(4, 10_000));
      await replan();
      expectReleasedAt(released, T - 2_801, 10_004);
      expect(releaseTimes(released)).toEqual([T - 2_801]);
      advanceTo(T + 1_000);
      expect(released).toHaveLength(10_004);
    });

    it("moves a bucket earlier when a burst is added after it", async () => {
      const { pacer, released } = pacerWith<string>();
      pacer.add(T, "a");
      await replan();
      addMany(pacer, T + 1_000, range(6_000).map((i) => `b${i}`));
      await replan();
      // B starts at T − 800, so A at T − 800.25 → T − 800.
      expectReleasedAt(released, T - 800, 6_001);
      expect(released.map((r) => r.item)).toContain("a");
      expect(releaseTimes(released)).toEqual([T - 800]);
    });

    it("never moves a bucket later when a re-plan computes a later time", async () => {
      const { pacer, released } = pacerWith<number>();
      // A slow burst (200 items released at once, stored in 200 ms: 1 ms each) raises the planned cost:
      // deviation 0 + (|1 − 0.25| − 0) × 0.25 = 0.1875, estimate 0.25 + (1 − 0.25) × 0.3 = 0.475, planned 0.85.
      addMany(pacer, NOW + 350, range(200, 100_000));
      await replan();
      vi.advanceTimersByTime(0);
      expect(released).toHaveLength(200);
      vi.advanceTimersByTime(200);
      pacer.settled(200);
      expect(pacer.plannedCostPerFireMs).toBeCloseTo(0.85, 10);
      // 4000 items: (T − 300) − 0.85 × 4000 = T − 3700.
      addMany(pacer, T, range(4_000));
      await replan();
      // A burst stored at exactly the estimate (200 items in 95 ms) narrows the deviation to 0.1875 × 0.75 = 0.140625:
      // planned 0.475 + 2 × 0.140625 = 0.75625.
      addMany(pacer, Date.now() + 350, range(200, 200_000));
      await replan();
      vi.advanceTimersByTime(0);
      expect(released).toHaveLength(400);
      vi.advanceTimersByTime(95);
      pacer.settled(200);
      expect(pacer.plannedCostPerFireMs).toBeCloseTo(0.75625, 10);
      // One more item re-plans the bucket: (T − 300) − 0.75625 × 4001 = T − 3326.75…, later than T − 3700.
      pacer.add(T, 4_000);
      await replan();
      expectReleasedAt(released, T - 3_700, 4_401, 400);
      expect(releaseTimes(released.slice(400))).toEqual([T - 3_700]);
    });
  });

  describe("settled() and the cost estimate", () => {
    it("moves the cost 30 % toward the busy period's time per item once 100 or more items settle", async () => {
      const { pacer, released } = pacerWith<number>();
      addMany(pacer, T, range(200));
      await replan();
      advanceTo(T - 350);
      expect(released).toHaveLength(200);
      advanceTo(T - 250);
      pacer.settled(200);
      // 100 ms / 200 items = 0.5 ms; 0.25 + (0.5 − 0.25) × 0.3 = 0.325.
      expect(pacer.costPerFireMs).toBeCloseTo(0.325, 10);
    });

    it("keeps the running deviation of the busy periods' times per item, a quarter of the way toward each distance", async () => {
      const { pacer } = await twoBucketsOf100();
      // Busy periods: 100 items released at T − 325 and stored in 50 ms (0.5 ms each), then 100 at T + 675 in 10 ms.
      advanceTo(T - 275);
      pacer.settled(100);
      // Deviation 0 + (|0.5 − 0.25| − 0) × 0.25 = 0.0625; estimate 0.25 + (0.5 − 0.25) × 0.3 = 0.325.
      expect(pacer.costPerFireMs).toBeCloseTo(0.325, 10);
      expect(pacer.plannedCostPerFireMs).toBeCloseTo(0.45, 10);
      advanceTo(T + 685);
      pacer.settled(100);
      // Deviation 0.0625 + (|0.1 − 0.325| − 0.0625) × 0.25 = 0.103125; estimate 0.325 + (0.1 − 0.325) × 0.3 = 0.2575.
      expect(pacer.costPerFireMs).toBeCloseTo(0.2575, 10);
      expect(pacer.plannedCostPerFireMs).toBeCloseTo(0.2575 + 2 * 0.103125, 10);
    });

    it("plans the next burst with the learned cost plus two deviations", async () => {
      const { pacer, released } = pacerWith<number>();
      addMany(pacer, T, range(200));
      await replan();
      advanceTo(T - 350);
      advanceTo(T - 250);
      pacer.settled(200);
      // Estimate 0.325, deviation 0.0625: planned 0.45 ms per item.
      const next = T + 5_000;
      addMany(pacer, next, range(1_000, 1_000));
      await replan();
      // (next − 300) − 0.45 × 1000 = next − 750.
      advanceTo(next - 751);
      expect(released).toHaveLength(200);
      advanceTo(next - 750);
      expect(released).toHaveLength(1_200);
    });

    it("leaves the cost unchanged when fewer than 100 items settled in the busy period", async () => {
      const { pacer, released } = pacerWith<number>();
      addMany(pacer, T, range(99));
      await replan();
      advanceTo(T);
      expect(released).toHaveLength(99);
      vi.advanceTimersByTime(100);
      pacer.settled(99);
      expect(pacer.costPerFireMs).toBe(0.25);
    });

    it("does not carry a small busy period's items into the next one", async () => {
      const { pacer, released } = pacerWith<number>();
      addMany(pacer, T, range(60));
      addMany(pacer, T + 1_000, range(60, 60));
      await replan();
      advanceTo(T);
      expect(released).toHaveLength(60);
      vi.advanceTimersByTime(100);
      pacer.settled(60);
      advanceTo(T + 1_000);
      expect(released).toHaveLength(120);
      vi.advanceTimersByTime(100);
      pacer.settled(60);
      // 120 items in all, but two busy periods of 60 each: no sample.
      expect(pacer.costPerFireMs).toBe(0.25);
    });

    it("waits for the released backlog to empty before updating the cost", async () => {
      const { pacer, released } = pacerWith<number>();
      addMany(pacer, T, range(200));
      await replan();
      advanceTo(T - 350);
      expect(released).toHaveLength(200);
      advanceTo(T - 250);
      pacer.settled(150);
      expect(pacer.costPerFireMs).toBe(0.25);
      advanceTo(T - 150);
      pacer.settled(50);
      // 200 ms / 200 items = 1 ms; 0.25 + (1 − 0.25) × 0.3 = 0.475.
      expect(pacer.costPerFireMs).toBeCloseTo(0.475, 10);
    });

    it("measures a busy period from its first release even when more buckets are released during it", async () => {
      const { pacer, released } = await twoBucketsOf100();
      advanceTo(T - 325);
      expect(released).toHaveLength(100);
      advanceTo(T + 675);
      expect(released).toHaveLength(200);
      pacer.settled(200);
      // 1000 ms / 200 items = 5 ms; 0.25 + (5 − 0.25) × 0.3 = 1.675.
      expect(pacer.costPerFireMs).toBeCloseTo(1.675, 10);
    });

    it("starts a new busy period at the first release after the backlog emptied", async () => {
      const { pacer, released } = await twoBucketsOf100();
      advanceTo(T - 325);
      pacer.settled(100);
      // 0 ms / 100 items: 0.25 × 0.7 = 0.175.
      expect(pacer.costPerFireMs).toBeCloseTo(0.175, 10);
      advanceTo(T + 675);
      expect(released).toHaveLength(200);
      vi.advanceTimersByTime(20);
      pacer.settled(100);
      // Measured from T + 675, not from the first period's T − 325: 20 ms / 100 = 0.2; 0.175 + (0.2 − 0.175) × 0.3 = 0.1825.
      expect(pacer.costPerFireMs).toBeCloseTo(0.1825, 10);
    });

    it("keeps the estimate between 0.01 ms and 20 ms", async () => {
      const high = pacerWith<number>();
      addMany(high.pacer, NOW + 325, range(100));
      await replan();
      vi.advanceTimersByTime(0);
      expect(high.released).toHaveLength(100);
      vi.advanceTimersByTime(1_000_000);
      high.pacer.settled(100);
      expect(high.pacer.costPerFireMs).toBe(20);

      const low = pacerWith<number>({ initialCostMs: 0.012 });
      addMany(low.pacer, NOW, range(100));
      await replan();
      vi.advanceTimersByTime(0);
      expect(low.released).toHaveLength(100);
      low.pacer.settled(100);
      // 0.012 × 0.7 = 0.0084, below the floor.
      expect(low.pacer.costPerFireMs).toBe(0.01);
    });

    // With nothing released there is no busy period to time: counted from an unset start, the epoch would pass for
    // the busy time and drive the estimate to its 20 ms ceiling.
    it("ignores items settled while nothing was released", () => {
      const { pacer } = pacerWith<number>();
      pacer.settled(500);
      expect(pacer.costPerFireMs).toBe(0.25);
    });
  });

  describe("drain() and stop()", () => {
    it("drain returns held items earliest instant first and releases none of them afterwards", async () => {
      const { pacer, released } = pacerWith<string>();
      pacer.add(T + 2_000, "c");
      pacer.add(T, "a1");
      addMany(pacer, T + 1_000, range(5_000).map((i) => `b${i}`));
      pacer.add(T, "a2");
      await replan();
      expect(pacer.size).toBe(5_003);
      const drained = pacer.drain();
      expect(drained.slice(0, 3)).toEqual(["a1", "a2", "b0"]);
      expect(drained.at(-1)).toBe("c");
      expect(drained).toHaveLength(5_003);
      expect(pacer.size).toBe(0);
      // No timer is left armed for what was handed back.
      expect(vi.getTimerCount()).toBe(0);
      advanceTo(T + 5_000);
      expect(released).toEqual([]);
    });

    it("drain before the re-plan ran releases nothing either, and later items are paced as usual", async () => {
      const { pacer, released } = pacerWith<string>();
      pacer.add(T, "a");
      pacer.add(NOW, "overdue");
      expect(pacer.drain()).toEqual(["overdue", "a"]);
      await replan();
      vi.advanceTimersByTime(0);
      expect(released).toEqual([]);
      pacer.add(T, "new");
      await replan();
      advanceTo(T + 1_000);
      expect(released).toEqual([{ item: "new", instant: T, at: T - 300 }]);
    });

    it("stop releases nothing afterwards and ignores later additions", async () => {
      const { pacer, released } = pacerWith<number>();
      addMany(pacer, T, range(10_000));
      pacer.add(NOW, -1);
      pacer.stop();
      expect(vi.getTimerCount()).toBe(0);
      await replan();
      pacer.add(T, 10_000);
      expect(pacer.size).toBe(10_001);
      advanceTo(T + 1_000);
      expect(released).toEqual([]);
      // What was held can still be handed back.
      expect(pacer.drain()).toHaveLength(10_001);
    });
  });

  it("rejects maxLeadMs below leadMs", () => {
    expect(() => new DispatchPacer<string>(fakeClock, { leadMs: 300, maxLeadMs: 299 }, () => undefined)).toThrow(/maxLeadMs \(299\) must not be below leadMs \(300\)/);
    expect(() => new DispatchPacer<string>(fakeClock, { leadMs: 300, maxLeadMs: 300 }, () => undefined)).not.toThrow();
  });
});
