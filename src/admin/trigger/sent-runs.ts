import type { FinishingRun } from "../persistence/index.js";
import { LruMap } from "../../shared/lru-map.js";

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
  private readonly runs: LruMap<number, FinishingRun>;

  constructor(capacity = DEFAULT_CAPACITY) {
    this.runs = new LruMap(capacity);
  }

  get size(): number {
    return this.runs.size;
  }

  /** A run sent again (at its instant, by an executor that could not hold it) counts as the most recent. */
  remember(run: FinishingRun): void {
    this.runs.set(run.id, run);
  }

  /** Returns the remembered runs among `ids` and forgets them: a run's result is applied once. */
  take(ids: readonly number[]): Map<number, FinishingRun> {
    const found = new Map<number, FinishingRun>();
    for (const id of ids) {
      const run = this.runs.take(id);
      if (run !== undefined) found.set(id, run);
    }
    return found;
  }
}
