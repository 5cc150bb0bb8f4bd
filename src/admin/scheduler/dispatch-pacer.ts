import type { Clock } from "./clock.js";
import { TimerQueue } from "./timer-queue.js";

/** How far ahead of their instants planned fires are released for dispatch. */
export interface DispatchPacerOptions {
  /** Every fire is released at least this long before its instant (the admin's `dispatchLeadMs`). */
  readonly leadMs: number;
  /** No fire is released earlier than this before its instant (the admin's `maxDispatchLeadMs`). */
  readonly maxLeadMs: number;
  /** Store work per fire assumed until the pacer has measured it, in ms. */
  readonly initialCostMs?: number;
}

/** The fires of one instant, released together. */
interface Bucket<T> {
  readonly instant: number;
  readonly items: T[];
  /** Earliest release time this bucket is queued for (it may be queued several times, each time earlier). */
  armedAt: number;
  released: boolean;
}

/**
 * A conservative guess of the admin's store work per fire (reading the job, routing, marking the fire and writing
 * its run) before anything was measured: a little above what a 2-core machine measures, so that the first burst
 * after a start is released early enough rather than too late.
 */
const DEFAULT_COST_MS = 0.25;
/** A busy period must have stored this many fires before its throughput says anything. */
const MIN_SAMPLE_FIRES = 100;
/** Weight of the newest measurement in the running estimate. */
const SAMPLE_WEIGHT = 0.3;
/** Weight of the newest measurement's distance from the estimate in the running deviation. */
const DEVIATION_WEIGHT = 0.25;
/**
 * Bursts are planned with the estimate plus this many deviations: the store work of one burst varies (a planning
 * round or the database's own housekeeping shares the machine with it), and a burst that takes longer than its
 * estimate starts late by the difference, whereas one released early only waits on its executors.
 */
const DEVIATIONS_PLANNED = 2;
const MIN_COST_MS = 0.01;
const MAX_COST_MS = 20;

/**
 * Releases planned fires for dispatch early enough that their runs reach the executors by their instants.
 *
 * A lone fire is released `leadMs` before its instant, which leaves time for its store work and the call. Fires
 * that share an instant are work that takes time: 10 000 fires due at one second take the admin seconds to store,
 * so releasing them all `leadMs` ahead would start most of them late by that long. The pacer therefore plans
 * backwards, latest instant first: each instant's fires must be stored by `leadMs` before it and before the next
 * instant's fires start, so they are released that long earlier again as their store work takes (fires × measured
 * cost per fire), but never more than `maxLeadMs` ahead. Fires of instants far enough apart are released `leadMs`
 * ahead as before; only bursts move earlier. Executors hold runs that arrive early until their instant, so an
 * early release changes when the admin works, not when handlers start.
 *
 * The cost per fire is learned from the dispatcher's own throughput: from the release of fires until every
 * released fire was stored (`settled`), time over fires, as a running average with its running deviation; bursts
 * are planned with the average plus two deviations, so that one slower than usual still starts in time.
 */
export class DispatchPacer<T> {
  private readonly buckets = new Map<number, Bucket<T>>();
  /** The instants of `buckets`, ascending. */
  private readonly instants: number[] = [];
  private readonly timers: TimerQueue<Bucket<T>>;
  private replanQueued = false;
  private stopped = false;
  private count = 0;
  private costMs: number;
  /** Mean distance of the measurements from the estimate (as TCP keeps for round trips), in ms. */
  private deviationMs = 0;
  /** Released fires not yet settled, and since when the dispatcher has been busy with them. */
  private backlog = 0;
  private busySince = 0;
  private busyFires = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: DispatchPacerOptions,
    private readonly onDue: (item: T, instant: number) => void,
  ) {
    if (options.maxLeadMs < options.leadMs) throw new Error(`maxLeadMs (${options.maxLeadMs}) must not be below leadMs (${options.leadMs})`);
    this.costMs = options.initialCostMs ?? DEFAULT_COST_MS;
    this.timers = new TimerQueue(clock, (bucket) => this.release(bucket));
  }

  /** Fires held, not yet released. */
  get size(): number {
    return this.count;
  }

  /** The current estimate of store work per fire, in ms. */
  get costPerFireMs(): number {
    return this.costMs;
  }

  /** Store work per fire that bursts are planned with: the estimate plus `DEVIATIONS_PLANNED` deviations, in ms. */
  get plannedCostPerFireMs(): number {
    return Math.min(MAX_COST_MS, this.costMs + DEVIATIONS_PLANNED * this.deviationMs);
  }

  /** Holds `item`, due at `instant` (epoch ms); released at once when its release time has passed. */
  add(instant: number, item: T): void {
    if (this.stopped) return;
    let bucket = this.buckets.get(instant);
    if (bucket === undefined) {
      bucket = { instant, items: [], armedAt: instant - this.options.leadMs, released: false };
      this.buckets.set(instant, bucket);
      this.instants.splice(this.insertionIndex(instant), 0, instant);
      // Queued at once for its latest release time, so a caller that moves time synchronously still gets it then;
      // the re-plan after the current task can only move it earlier.
      this.timers.add(bucket.armedAt, bucket);
    }
    bucket.items.push(item);
    this.count++;
    if (!this.replanQueued) {
      this.replanQueued = true;
      queueMicrotask(() => this.replan());
    }
  }

  /**
   * The dispatcher stored `fires` of the released ones (or gave up on them). When nothing released is left, the
   * busy period's throughput updates the cost estimate.
   */
  settled(fires: number): void {
    // Only released fires count; anything beyond the backlog was never timed from a release.
    const counted = Math.min(fires, this.backlog);
    if (counted <= 0) return;
    this.backlog -= counted;
    this.busyFires += counted;
    if (this.backlog > 0) return;
    if (this.busyFires >= MIN_SAMPLE_FIRES) {
      const sample = (this.clock.now() - this.busySince) / this.busyFires;
      this.deviationMs += (Math.abs(sample - this.costMs) - this.deviationMs) * DEVIATION_WEIGHT;
      const next = this.costMs + (sample - this.costMs) * SAMPLE_WEIGHT;
      this.costMs = Math.min(MAX_COST_MS, Math.max(MIN_COST_MS, next));
    }
    this.busyFires = 0;
  }

  /** Removes and returns every held item, earliest instant first. */
  drain(): T[] {
    const items = this.instants.flatMap((instant) => this.buckets.get(instant)?.items ?? []);
    for (const bucket of this.buckets.values()) bucket.released = true;
    this.buckets.clear();
    this.instants.length = 0;
    this.count = 0;
    this.timers.drain();
    return items;
  }

  stop(): void {
    this.stopped = true;
    this.timers.stop();
  }

  /** Release times, latest instant first: each bucket starts in time for its own deadline and the next bucket's start. */
  private replan(): void {
    this.replanQueued = false;
    if (this.stopped) return;
    let nextStart = Number.POSITIVE_INFINITY;
    const costMs = this.plannedCostPerFireMs;
    const moved: Bucket<T>[] = [];
    for (let i = this.instants.length - 1; i >= 0; i--) {
      const bucket = this.buckets.get(this.instants[i] as number);
      if (bucket === undefined) continue;
      const start = Math.min(bucket.instant - this.options.leadMs, nextStart) - costMs * bucket.items.length;
      nextStart = start;
      const releaseAt = Math.max(Math.ceil(start), bucket.instant - this.options.maxLeadMs);
      if (releaseAt < bucket.armedAt) {
        bucket.armedAt = releaseAt;
        moved.push(bucket);
      }
    }
    // Queued earliest instant first: buckets moved to the same millisecond are released in the order of their instants.
    for (let i = moved.length - 1; i >= 0; i--) {
      const bucket = moved[i] as Bucket<T>;
      this.timers.add(bucket.armedAt, bucket);
    }
  }

  private release(bucket: Bucket<T>): void {
    // A bucket queued again for an earlier time leaves its older entries behind; they find it released.
    if (bucket.released) return;
    bucket.released = true;
    this.buckets.delete(bucket.instant);
    const index = this.insertionIndex(bucket.instant);
    if (this.instants[index] === bucket.instant) this.instants.splice(index, 1);
    this.count -= bucket.items.length;
    if (this.backlog === 0) {
      this.busySince = this.clock.now();
      this.busyFires = 0;
    }
    this.backlog += bucket.items.length;
    for (const item of bucket.items) this.onDue(item, bucket.instant);
  }

  /** Index of the first instant not below `instant` (binary search). */
  private insertionIndex(instant: number): number {
    let low = 0;
    let high = this.instants.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.instants[middle] as number) < instant) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
