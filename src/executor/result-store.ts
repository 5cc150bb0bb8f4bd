import type { RunResultRecord } from "./run-result.js";

/**
 * Where results wait for an admin's ack. The reporter only talks to this interface, so the disk spool of a
 * later version (`<logDir>/callback-spool/`, replayed across restarts) can replace the memory store without
 * touching the stream logic. Records are plain JSON-safe data for that reason.
 */
export interface ResultStore {
  readonly size: number;
  /** Adds a result; a second result for the same run replaces the first. */
  add(record: RunResultRecord): void;
  /** Forgets acknowledged or rejected results. Unknown run ids are ignored. */
  delete(runIds: readonly number[]): void;
  has(runId: number): boolean;
  /** Every waiting result, oldest first. */
  all(): RunResultRecord[];
}

/** The in-memory store: results survive admin outages but not an executor restart. */
export class MemoryResultStore implements ResultStore {
  private readonly records = new Map<number, RunResultRecord>();

  get size(): number {
    return this.records.size;
  }

  add(record: RunResultRecord): void {
    this.records.delete(record.runId);
    this.records.set(record.runId, record);
  }

  delete(runIds: readonly number[]): void {
    for (const runId of runIds) this.records.delete(runId);
  }

  has(runId: number): boolean {
    return this.records.has(runId);
  }

  all(): RunResultRecord[] {
    return [...this.records.values()];
  }
}
