import type { RunResultRecord } from "./run-result.js";
import type { RegisteredHandler, RunSpec } from "./run-spec.js";

/** How far ahead `RunRequest.start_time` may be. */
export const MAX_HOLD_MS = 60_000;

interface Held {
  readonly spec: RunSpec;
  readonly handler: RegisteredHandler;
  /** The start instant on the admin's clock; runs of one instant share a timer. */
  readonly at: number;
}

export interface HeldRunsDeps {
  /** Starts a run whose instant has come (the normal acceptance, block strategy included); throws a refusal. */
  readonly release: (spec: RunSpec, handler: RegisteredHandler) => void;
  /** Receives the result of a held run that never started (killed, refused at its instant, executor stopping). */
  readonly report: (result: RunResultRecord) => void;
  /** The admin's clock as estimated here (see `AdminClock`). */
  readonly adminNow: () => number;
}

/**
 * Runs accepted ahead of their instant (`RunRequest.start_time`), waiting to start. The admin delivers the runs
 * of a scheduled fire during its dispatch lead so that a thousand runs due at one instant start at it instead of
 * one after another as their calls arrive; holding them here costs one timer per distinct instant, and every run
 * of that instant is started in the same callback.
 *
 * A held run is the executor's from acceptance on: it is listed as active (so the admin does not declare it lost),
 * `Kill` ends it as KILLED without starting it, and a refusal at its instant (its job busy under DISCARD_LATER, the
 * executor stopping) becomes a FAILED result.
 */
export class HeldRuns {
  private readonly runs = new Map<number, Held>();
  private readonly instants = new Map<number, { timer: NodeJS.Timeout; runIds: Set<number> }>();

  constructor(private readonly deps: HeldRunsDeps) {}

  has(runId: number): boolean {
    return this.runs.has(runId);
  }

  runIds(): number[] {
    return [...this.runs.keys()];
  }

  /** How long a run that is to start at `at` (admin clock) would wait from now; 0 or less means start it now. */
  delayUntil(at: number): number {
    return at - this.deps.adminNow();
  }

  /** Holds a run until `at` on the admin's clock. Runs of the same instant share one timer. */
  hold(spec: RunSpec, handler: RegisteredHandler, at: number): void {
    this.runs.set(spec.runId, { spec, handler, at });
    let instant = this.instants.get(at);
    if (instant === undefined) {
      const created = { timer: setTimeout(() => this.releaseInstant(at), Math.max(0, this.delayUntil(at))), runIds: new Set<number>() };
      this.instants.set(at, created);
      instant = created;
    }
    instant.runIds.add(spec.runId);
  }

  /** Ends a held run without starting it; false if it is not held. */
  kill(runId: number, reason: string): boolean {
    return this.drop(runId, "KILLED", reason);
  }

  /** Ends every held run of a job without starting it; returns their ids. */
  killJob(jobId: number, reason: string): number[] {
    const ids = [...this.runs.values()].filter((held) => held.spec.jobId === jobId).map((held) => held.spec.runId);
    for (const id of ids) this.drop(id, "KILLED", reason);
    return ids;
  }

  /** Fails every held run (the executor is stopping): the admin retries them elsewhere. */
  failAll(reason: string): void {
    for (const id of [...this.runs.keys()]) this.drop(id, "FAILED", reason);
  }

  private drop(runId: number, state: "KILLED" | "FAILED", message: string): boolean {
    const held = this.runs.get(runId);
    if (held === undefined) return false;
    this.forget(held);
    this.reportUnstarted(runId, state, message);
    return true;
  }

  /** The result of a held run that ends without starting; retryable, so the admin may run it again. */
  private reportUnstarted(runId: number, state: "KILLED" | "FAILED", message: string): void {
    this.deps.report({ runId, state, message, nonRetryable: false, startTime: undefined, endTime: Date.now() });
  }

  private forget(held: Held): void {
    this.runs.delete(held.spec.runId);
    const instant = this.instants.get(held.at);
    if (instant === undefined) return;
    instant.runIds.delete(held.spec.runId);
    if (instant.runIds.size === 0) {
      clearTimeout(instant.timer);
      this.instants.delete(held.at);
    }
  }

  private releaseInstant(at: number): void {
    const instant = this.instants.get(at);
    if (instant === undefined) return;
    this.instants.delete(at);
    for (const runId of instant.runIds) {
      const held = this.runs.get(runId);
      if (held === undefined) continue;
      this.runs.delete(runId);
      try {
        this.deps.release(held.spec, held.handler);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.reportUnstarted(runId, "FAILED", `refused at its start instant: ${reason}`);
      }
    }
  }
}
