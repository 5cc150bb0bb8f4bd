import { ConcurrencyLimit } from "../../shared/concurrency-limit.js";

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

export class TriggerPools {
  private readonly fast: ConcurrencyLimit;
  private readonly slow: ConcurrencyLimit;
  private minute = -1;
  private readonly slowCounts = new Map<number, number>();

  constructor(private readonly options: TriggerPoolOptions) {
    this.fast = new ConcurrencyLimit(options.fastConcurrency);
    this.slow = new ConcurrencyLimit(options.slowConcurrency);
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
