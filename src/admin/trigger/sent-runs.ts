import type { FinishingRun } from "../persistence/index.js";

/** How many sent runs are remembered at most; well above the runs in flight at 10 000 runs a second. */
const DEFAULT_CAPACITY = 50_000;

/**
 * The runs this admin has lately sent to executors, by id, so that a batch of results finds what finishing them
 * needs (`FinishingRun`: job, group, trigger type, instants, attempt, shards) without reading the runs back. Those
 * fields are written with the run and never change, so a remembered run cannot be stale. A result for a run not
 * remembered (sent by another admin or before a restart, or evicted) is read from the database as before.
 *
 * Bounded: past `capacity` the longest-remembered run is forgotten first, so runs whose result never comes (lost
 * executors) cannot grow it.
 */
export class SentRuns {
  private readonly runs = new Map<number, FinishingRun>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.runs.size;
  }

  remember(run: FinishingRun): void {
    // A run sent again (at its instant, by an executor that could not hold it) moves to the young end.
    this.runs.delete(run.id);
    this.runs.set(run.id, run);
    if (this.runs.size > this.capacity) {
      const oldest = this.runs.keys().next();
      if (oldest.done !== true) this.runs.delete(oldest.value);
    }
  }

  /** Returns the remembered runs among `ids` and forgets them: a run's result is applied once. */
  take(ids: readonly number[]): Map<number, FinishingRun> {
    const found = new Map<number, FinishingRun>();
    for (const id of ids) {
      const run = this.runs.get(id);
      if (run === undefined) continue;
      found.set(id, run);
      this.runs.delete(id);
    }
    return found;
  }
}
