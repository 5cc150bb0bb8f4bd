import { Fifo } from "../../shared/fifo.js";

/**
 * Bounded trigger concurrency with slow-job demotion, after XXL-JOB's fast and slow trigger pools: a job whose
 * executor calls took longer than `slowThresholdMs` at least `slowCountPerMinute` times in the current minute is
 * served by the slow lane for the rest of that minute, so one job with an unresponsive executor cannot use up
 * the slots every other job needs. Work beyond a lane's limit waits in that lane's FIFO queue; nothing is
 * dropped, because a fire that was planned must end as a run (and a queued one still does).
 */
export interface TriggerPoolOptions {
  readonly fastConcurrency: number;
  readonly slowConcurrency: number;
  readonly slowThresholdMs: number;
  readonly slowCountPerMinute: number;
  readonly now: () => number;
}

class Lane {
  private active = 0;
  /** A burst queues thousands of dispatches here: O(1) shift matters. */
  private readonly waiting = new Fifo<() => void>();

  constructor(private readonly limit: number) {}

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same) or free it.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }
}

export class TriggerPools {
  private readonly fast: Lane;
  private readonly slow: Lane;
  private minute = -1;
  private readonly slowCounts = new Map<number, number>();

  constructor(private readonly options: TriggerPoolOptions) {
    this.fast = new Lane(options.fastConcurrency);
    this.slow = new Lane(options.slowConcurrency);
  }

  /** Dispatches waiting for a slot, by lane. */
  get queued(): { fast: number; slow: number } {
    return { fast: this.fast.queued, slow: this.slow.queued };
  }

  isSlow(jobId: number): boolean {
    this.rollMinute();
    return (this.slowCounts.get(jobId) ?? 0) >= this.options.slowCountPerMinute;
  }

  /** Runs one dispatch of `jobId` in its lane; the slot is held until the task ends. */
  run<T>(jobId: number, task: () => Promise<T>): Promise<T> {
    return (this.isSlow(jobId) ? this.slow : this.fast).run(task);
  }

  /**
   * Records how long the executor calls of one dispatch of `jobId` took (routing probes and `Run`). Only the calls
   * count: a dispatch that is slow because the admin itself is busy (its database, a burst of other dispatches)
   * says nothing about the job, and demoting every job then would squeeze a backlog through the slow lane.
   */
  recordCalls(jobId: number, durationMs: number): void {
    if (durationMs <= this.options.slowThresholdMs) return;
    this.rollMinute();
    this.slowCounts.set(jobId, (this.slowCounts.get(jobId) ?? 0) + 1);
  }

  private rollMinute(): void {
    const minute = Math.floor(this.options.now() / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.slowCounts.clear();
    }
  }
}
