import type { Logger } from "../shared/logger.js";
import { describeError } from "./run-result.js";
import type { RunExecution } from "./run-execution.js";
import { RunRefusal, type RegisteredHandler } from "./run-spec.js";

/** What a job queue needs from the executor around it. */
export interface JobQueueDeps {
  readonly logger: Logger;
  /** A queue idle for this long ends (its handler's `destroy` runs) and the next run starts a new one. */
  readonly idleTimeoutMs: number;
  /** After an abort, how long a handler that ignores `ctx.signal` keeps its slot before the queue moves on. */
  readonly abortGraceMs: number;
  /** Called when the queue has ended by itself (idle), with the promise of its `destroy` hook. */
  readonly onRetired: (queue: JobQueue, destroyed: Promise<void>) => void;
  /** Called when a run has left the queue (result reported), so the executor can forget its run id. */
  readonly onRunEnded: (run: RunExecution) => void;
}

/**
 * The runs of one job on this executor (XXL-JOB's JobThread): a FIFO of waiting runs and the set of running ones.
 * The block strategy of each new run decides how it enters (see `accept`); `slots` bounds how many run at once,
 * which is the requested concurrency under CONCURRENT and 1 otherwise. A handler's `init` runs once before its
 * first run in the queue's lifetime and its `destroy` when the queue ends (idle, executor stop) or when a run for
 * another handler (or another GLUE version) takes over the job.
 */
export class JobQueue {
  private readonly waiting: RunExecution[] = [];
  private readonly running = new Map<number, RunExecution>();
  /** Handlers still running after their run was aborted; they hold a slot until they settle or the grace ends. */
  private readonly lingering = new Set<Promise<void>>();
  /** Runs whose result is not reported yet (including dropped ones), so that `close` can wait for them. */
  private readonly unreported = new Set<Promise<void>>();
  /** Set by each accepted run: the job's latest settings win, as the admin sends them with every run. */
  private slots = 1;
  private current: { handler: RegisteredHandler; ready: Promise<void> } | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    readonly jobId: number,
    private readonly deps: JobQueueDeps,
    /** The `destroy` of the previous queue of this job, which the first `init` waits for. */
    private readonly previousDestroyed: Promise<void> = Promise.resolve(),
  ) {}

  get queuedCount(): number {
    return this.waiting.length;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** True while a run executes or waits, or an aborted handler has not let go yet. */
  get busy(): boolean {
    return this.running.size > 0 || this.waiting.length > 0 || this.lingering.size > 0;
  }

  runIds(): number[] {
    return [...this.running.keys(), ...this.waiting.map((run) => run.runId)];
  }

  /**
   * Takes a new run according to its block strategy and returns how many runs of the job are ahead of it.
   * Throws a RunRefusal when the strategy refuses it.
   */
  accept(run: RunExecution): number {
    if (this.closing) throw new RunRefusal("stopping", "the executor is stopping and accepts no new runs");
    const strategy = run.spec.blockStrategy;
    switch (strategy) {
      case "SERIAL":
      case "CONCURRENT":
        break;
      case "DISCARD_LATER":
        if (this.busy) {
          throw new RunRefusal("busy", `job ${this.jobId} is busy on this executor (${this.running.size} running, ${this.waiting.length} queued) and its block strategy is DISCARD_LATER`);
        }
        break;
      case "COVER_EARLY":
        this.cover(run.runId);
        break;
    }
    this.slots = strategy === "CONCURRENT" ? run.spec.concurrency : 1;
    const ahead = this.running.size + this.waiting.length;
    this.waiting.push(run);
    this.cancelIdleTimer();
    this.pump();
    return ahead;
  }

  /**
   * COVER_EARLY: the new run replaces everything the job has here. Waiting runs are reported KILLED without
   * executing, running ones are aborted (their handlers see `ctx.signal` fire) and reported KILLED at once. An
   * aborted handler that has not let go yet still holds its slot for the abort grace, so a handler that honours
   * its signal is never overlapped by its successor.
   */
  private cover(byRunId: number): void {
    if (!this.busy) return;
    const reason = `covered by run ${byRunId} (block strategy COVER_EARLY)`;
    for (const dropped of this.waiting.splice(0)) this.track(this.finishUnstarted(dropped, `not executed: ${reason}`));
    for (const running of this.running.values()) running.abort("KILLED", `killed: ${reason}`);
  }

  /** Kills one run: aborts it if running, drops it if waiting. Returns false if the run is not here (any more). */
  kill(runId: number, reason: string): boolean {
    const running = this.running.get(runId);
    if (running !== undefined) return running.abort("KILLED", reason);
    const index = this.waiting.findIndex((run) => run.runId === runId);
    if (index < 0) return false;
    const [dropped] = this.waiting.splice(index, 1);
    if (dropped !== undefined) this.track(this.finishUnstarted(dropped, reason));
    return true;
  }

  /** Kills every run of the job and returns their ids. */
  killAll(reason: string): number[] {
    return this.runIds().filter((runId) => this.kill(runId, reason));
  }

  /**
   * Ends the queue for an executor stop: waiting runs are dropped as KILLED at once (the admin can run them
   * elsewhere), running ones get `graceMs` to finish and are then aborted, and the handler's `destroy` runs.
   */
  async close(graceMs: number, reason: string): Promise<void> {
    this.closing = true;
    this.cancelIdleTimer();
    for (const run of this.waiting.splice(0)) this.track(this.finishUnstarted(run, reason));
    const finished = Promise.all([...this.running.values()].map((run) => run.handlerSettled));
    await raceTimeout(finished, graceMs);
    for (const run of this.running.values()) run.abort("KILLED", reason);
    // Aborted runs report at once; waiting for that puts their results in the queue before the final flush.
    await Promise.allSettled([...this.unreported]);
    await raceTimeout(Promise.all([...this.lingering]), this.deps.abortGraceMs);
    await this.destroyCurrent();
  }

  /** Starts waiting runs while slots are free. */
  private pump(): void {
    while (!this.closing && this.waiting.length > 0 && this.running.size + this.lingering.size < this.slots) {
      const run = this.waiting.shift();
      if (run === undefined) break;
      this.running.set(run.runId, run);
      this.track(run.execute(() => this.ensureInitialized(run.handler)).then(() => this.afterRun(run)));
    }
    if (!this.busy) this.startIdleTimer();
  }

  private afterRun(run: RunExecution): void {
    this.running.delete(run.runId);
    this.deps.onRunEnded(run);
    // The result is reported; if the handler has not settled (it ignored an abort), it keeps its slot for a
    // while so that a serial job does not run two handlers at once, but never forever.
    const settled = raceTimeout(run.handlerSettled, this.deps.abortGraceMs).then((inTime) => {
      if (!inTime) this.deps.logger.warn("a handler ignored its abort signal; the job's queue moves on while it still runs", { jobId: this.jobId, runId: run.runId, handler: run.handler.name });
    });
    this.lingering.add(settled);
    void settled.then(() => {
      this.lingering.delete(settled);
      this.pump();
    });
  }

  private track(reported: Promise<void>): void {
    this.unreported.add(reported);
    const forget = (): void => void this.unreported.delete(reported);
    reported.then(forget, (error: unknown) => {
      forget();
      this.deps.logger.error("a run could not report its result", { jobId: this.jobId, error: describeError(error) });
    });
  }

  private async finishUnstarted(run: RunExecution, reason: string): Promise<void> {
    await run.dropUnstarted(reason);
    this.deps.onRunEnded(run);
    if (!this.busy && !this.closing) this.startIdleTimer();
  }

  /**
   * Runs `init` of the handler once per queue lifetime. When a run for a different handler arrives (the job
   * was edited), the previous handler's `destroy` runs first, as XXL-JOB replaces its JobThread.
   */
  private ensureInitialized(handler: RegisteredHandler): Promise<void> {
    if (this.current?.handler === handler) return this.current.ready;
    const previous = this.current;
    const ready = (async () => {
      if (previous === undefined) await this.previousDestroyed;
      else await this.destroy(previous);
      await handler.hooks.init?.();
    })();
    const entry = { handler, ready };
    this.current = entry;
    // A failed init is retried by the next run instead of leaving the job broken until the queue ends.
    ready.catch(() => {
      if (this.current === entry) this.current = undefined;
    });
    return ready;
  }

  private async destroyCurrent(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (current !== undefined) await this.destroy(current);
  }

  private async destroy(entry: { handler: RegisteredHandler; ready: Promise<void> }): Promise<void> {
    try {
      await entry.ready;
    } catch {
      return; // init failed, so there is nothing to destroy
    }
    try {
      await entry.handler.hooks.destroy?.();
    } catch (error) {
      this.deps.logger.warn("handler destroy hook failed", { jobId: this.jobId, handler: entry.handler.name, error: describeError(error) });
    }
  }

  private startIdleTimer(): void {
    if (this.idleTimer !== undefined || this.closing) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.busy || this.closing) return;
      this.closing = true;
      this.deps.onRetired(this, this.destroyCurrent());
    }, this.deps.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private cancelIdleTimer(): void {
    if (this.idleTimer === undefined) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/** Waits for `promise` at most `ms`; resolves true if it settled in time. Never rejects. */
export async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
