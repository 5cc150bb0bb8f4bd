import type { RunResultRecord } from "./run-result.js";

/**
 * Where results wait for an admin's ack, in memory. Every pending result is here, including those also written
 * to the disk spool (`result-spool.ts`), which adds durability but is never read while the executor runs.
 * Records are plain JSON-safe data so that the spool can write them as they are.
 */
export interface ResultStore {
  readonly size: number;
  /** Adds a result; a second result for the same run replaces the first. */
  add(record: RunResultRecord): void;
  /** Forgets acknowledged or rejected results. Unknown run ids are ignored. */
  delete(runIds: readonly number[]): void;
  has(runId: number): boolean;
  get(runId: number): RunResultRecord | undefined;
  /** Every waiting result, oldest first. */
  all(): RunResultRecord[];
}

/** The in-memory store: on its own, results survive admin outages but not an executor restart. */
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

  get(runId: number): RunResultRecord | undefined {
    return this.records.get(runId);
  }

  all(): RunResultRecord[] {
    return [...this.records.values()];
  }
}
