import type { Logger } from "../shared/logger.js";
import { HeldRuns } from "./held-runs.js";
import { JobQueue } from "./job-queue.js";
import { RunExecution } from "./run-execution.js";
import type { RunResultRecord } from "./run-result.js";
import { RunRefusal, type RegisteredHandler, type RunSpec } from "./run-spec.js";

/** XXL-JOB ends a JobThread after about 90 s without work; so do we. */
export const DEFAULT_IDLE_TIMEOUT_MS = 90_000;
/** How long a handler that ignores its abort signal may keep its job's slot. */
export const DEFAULT_ABORT_GRACE_MS = 5_000;

export interface JobQueuesDeps {
  readonly logDir: string;
  readonly logger: Logger;
  /** Receives every run's result exactly once. */
  readonly report: (result: RunResultRecord) => void;
  /** True if a run's result is still waiting for an admin's ack: the run is over here and must not run again. */
  readonly isUnacked: (runId: number) => boolean;
  /** The admin's clock as estimated here, for runs to start at an instant; the local clock by default. */
  readonly adminNow?: () => number;
  readonly idleTimeoutMs?: number;
  readonly abortGraceMs?: number;
}

/** Queue depth of one job, as sent in the registration beat. */
export interface JobDepth {
  readonly jobId: number;
  readonly queued: number;
  readonly running: number;
}

/**
 * Every job queue of the executor, keyed by job id, plus the index of run ids that guards against running the
 * same run twice (an admin may re-send a `Run` whose answer it did not get).
 */
export class JobQueues {
  private readonly queues = new Map<number, JobQueue>();
  private readonly runs = new Map<number, JobQueue>();
  /** `destroy` of queues that ended by idleness, so that a new queue of the job inits only after it. */
  private readonly retiring = new Map<number, Promise<void>>();
  private stopping = false;
  /** Runs accepted with a start instant still ahead, not yet in their job's queue. */
  private readonly held: HeldRuns;

  constructor(private readonly deps: JobQueuesDeps) {
    this.held = new HeldRuns({ release: (spec, handler) => this.enqueue(spec, handler), report: deps.report, adminNow: deps.adminNow ?? Date.now });
  }

  /**
   * Accepts a run; returns the number of runs of its job ahead of it. Throws RunRefusal. With a start instant (on
   * the admin's clock) still ahead, the run is held until then and its block strategy is applied at that moment
   * (0 is returned: nothing is ahead of it yet).
   */
  submit(spec: RunSpec, handler: RegisteredHandler, startAt?: number): number {
    if (startAt === undefined || this.held.delayUntil(startAt) <= 0) return this.enqueue(spec, handler);
    this.checkNew(spec.runId);
    this.held.hold(spec, handler, startAt);
    return 0;
  }

  /** How long a run to start at `startAt` (admin clock) would be held from now. */
  holdMs(startAt: number): number {
    return this.held.delayUntil(startAt);
  }

  private checkNew(runId: number): void {
    if (this.stopping) throw new RunRefusal("stopping", "the executor is stopping and accepts no new runs");
    if (this.runs.has(runId) || this.held.has(runId)) throw new RunRefusal("duplicate", `run ${runId} is already queued or running on this executor`);
    if (this.deps.isUnacked(runId)) throw new RunRefusal("duplicate", `run ${runId} has already finished on this executor; its result is being reported`);
  }

  private enqueue(spec: RunSpec, handler: RegisteredHandler): number {
    this.checkNew(spec.runId);
    const existing = this.queues.get(spec.jobId);
    const queue = existing ?? this.createQueue(spec.jobId);
    const run = new RunExecution(spec, handler, { logDir: this.deps.logDir, logger: this.deps.logger, report: this.deps.report });
    try {
      const ahead = queue.accept(run);
      this.runs.set(spec.runId, queue);
      return ahead;
    } catch (error) {
      // A queue created only for a refused run would otherwise stay in the map without an idle timer.
      if (existing === undefined && !queue.busy) this.queues.delete(spec.jobId);
      throw error;
    }
  }

  /** Kills one run (queued or running); returns the ids actually killed (empty if the run is not here). */
  killRun(runId: number, reason: string): number[] {
    if (this.held.kill(runId, reason)) return [runId];
    const queue = this.runs.get(runId);
    return queue !== undefined && queue.kill(runId, reason) ? [runId] : [];
  }

  /** Kills every queued and running run of a job. */
  killJob(jobId: number, reason: string): number[] {
    return [...this.held.killJob(jobId, reason), ...(this.queues.get(jobId)?.killAll(reason) ?? [])];
  }

  /** True while the run is queued or running here (its log may still grow). */
  isActive(runId: number): boolean {
    return this.runs.has(runId) || this.held.has(runId);
  }

  /** Runs queued, running or held for their start instant. */
  activeRunIds(): number[] {
    return [...this.held.runIds(), ...this.runs.keys()];
  }

  /** Whether a job is idle here, for `IdleBeat` (BUSYOVER routing). */
  jobLoad(jobId: number): { idle: boolean; running: number; queued: number } {
    const queue = this.queues.get(jobId);
    if (queue === undefined) return { idle: true, running: 0, queued: 0 };
    return { idle: !queue.busy, running: queue.runningCount, queued: queue.queuedCount };
  }

  depths(): JobDepth[] {
    return [...this.queues.values()].filter((queue) => queue.busy).map((queue) => ({ jobId: queue.jobId, queued: queue.queuedCount, running: queue.runningCount }));
  }

  /** Stops every queue: see `JobQueue.close`. Resolves when every result is reported and every `destroy` ran. */
  async close(graceMs: number, reason: string): Promise<void> {
    this.stopping = true;
    this.held.failAll(`${reason}; the run was waiting for its start instant and did not start`);
    await Promise.all([...this.queues.values()].map((queue) => queue.close(graceMs, reason)));
    await Promise.all([...this.retiring.values()]);
    this.queues.clear();
  }

  private createQueue(jobId: number): JobQueue {
    const queue = new JobQueue(
      jobId,
      {
        logger: this.deps.logger,
        idleTimeoutMs: this.deps.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
        abortGraceMs: this.deps.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS,
        onRunEnded: (run) => {
          if (this.runs.get(run.runId) === queue) this.runs.delete(run.runId);
        },
        onRetired: (retired, destroyed) => {
          if (this.queues.get(jobId) === retired) this.queues.delete(jobId);
          const done = destroyed.finally(() => {
            if (this.retiring.get(jobId) === done) this.retiring.delete(jobId);
          });
          this.retiring.set(jobId, done);
        },
      },
      this.retiring.get(jobId),
    );
    this.queues.set(jobId, queue);
    return queue;
  }
}
