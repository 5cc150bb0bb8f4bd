import type { Logger } from "../shared/logger.js";
import { JobFailure } from "./errors.js";
import { createRunContext } from "./run-context.js";
import { RunLogWriter, runLogPath } from "./run-log.js";
import { capMessage, describeError, type RunResultRecord } from "./run-result.js";
import type { RegisteredHandler, RunSpec } from "./run-spec.js";
import type { RunOutcomeState } from "./types.js";

/** What a run needs from the executor around it. */
export interface RunExecutionDeps {
  readonly logDir: string;
  readonly logger: Logger;
  /** Receives the run's result exactly once. */
  readonly report: (result: RunResultRecord) => void;
}

interface Outcome {
  readonly state: RunOutcomeState;
  readonly message: string;
  readonly nonRetryable: boolean;
}

/**
 * One accepted run, from its acceptance to its reported result. The result is decided by whichever comes first:
 * the handler settling, or an abort (kill, timeout, stop). JavaScript cannot interrupt a handler, so after an
 * abort the result is reported at once and `handlerSettled` tells the queue when the handler really let go.
 */
export class RunExecution {
  private readonly controller = new AbortController();
  private abortOutcome: Outcome | undefined;
  private decided = false;
  private started = false;
  private settled: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: RunSpec,
    readonly handler: RegisteredHandler,
    private readonly deps: RunExecutionDeps,
  ) {}

  get runId(): number {
    return this.spec.runId;
  }

  /** Resolves when the handler's own promise has settled; at once if it never started. */
  get handlerSettled(): Promise<void> {
    return this.settled;
  }

  /**
   * Ends the run as KILLED or TIMED_OUT and aborts `ctx.signal`. Returns false if the result was already decided
   * (the run finished a moment ago), so the caller can tell which runs it really stopped.
   */
  abort(state: "KILLED" | "TIMED_OUT", message: string): boolean {
    if (this.decided || this.abortOutcome !== undefined) return false;
    this.abortOutcome = { state, message, nonRetryable: false };
    this.controller.abort(new Error(message));
    return true;
  }

  /** Reports a run that never started (killed in the queue, or dropped at shutdown) as KILLED. */
  async dropUnstarted(message: string): Promise<void> {
    if (this.started || this.decided) return;
    this.decided = true;
    const log = new RunLogWriter(this.logFile(), this.deps.logger);
    log.line(`----------- run ${this.spec.runId} of job ${this.spec.jobId} was killed before it started: ${message} -----------`);
    await log.close();
    this.deps.report({ runId: this.spec.runId, state: "KILLED", message, nonRetryable: false, startTime: undefined, endTime: Date.now() });
  }

  /**
   * Runs the handler after `prepare` (the queue's handler `init`) and reports the result. Resolves once the
   * result is reported, which after an abort may be before the handler has settled.
   */
  async execute(prepare: () => Promise<void>): Promise<void> {
    if (this.started || this.decided) return;
    this.started = true;
    const { spec } = this;
    const startTime = Date.now();
    const log = new RunLogWriter(this.logFile(), this.deps.logger);
    const timeout = spec.timeoutMs > 0 ? ` timeout=${spec.timeoutMs}ms` : "";
    log.line(
      `----------- run ${spec.runId} of job ${spec.jobId} started: handler=${this.handler.name} param=${JSON.stringify(spec.param)} ` +
        `shard=${spec.shardIndex}/${spec.shardTotal} attempt=${spec.attempt}${timeout} -----------`,
    );
    const timer = spec.timeoutMs > 0 ? setTimeout(() => this.abort("TIMED_OUT", `run timed out after ${spec.timeoutMs} ms`), spec.timeoutMs) : undefined;

    const signal = this.controller.signal;
    const aborted = new Promise<Outcome>((resolve) => {
      const onAbort = (): void => resolve(this.abortOutcome ?? { state: "KILLED", message: "aborted", nonRetryable: false });
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    const work = this.work(prepare, log, signal);
    this.settled = work.then(() => undefined);

    const outcome = await Promise.race([work, aborted]);
    this.decided = true;
    if (timer !== undefined) clearTimeout(timer);
    const message = capMessage(outcome.message);
    log.line(`----------- run ${spec.runId} ended: ${outcome.state} in ${Date.now() - startTime} ms${message === "" ? "" : `; message: ${message}`} -----------`);
    await log.close();
    this.deps.report({ runId: spec.runId, state: outcome.state, message, nonRetryable: outcome.nonRetryable, startTime, endTime: Date.now() });
  }

  private async work(prepare: () => Promise<void>, log: RunLogWriter, signal: AbortSignal): Promise<Outcome> {
    try {
      await prepare();
    } catch (error) {
      return { state: "FAILED", message: `init of handler "${this.handler.name}" failed: ${describeError(error)}`, nonRetryable: false };
    }
    // A run killed while its handler's init was running must not start the handler afterwards.
    if (signal.aborted) return this.abortOutcome ?? { state: "KILLED", message: "aborted", nonRetryable: false };
    const { spec } = this;
    const ctx = createRunContext(spec, log, signal);
    try {
      const value = await this.handler.run(ctx);
      return { state: "SUCCEEDED", message: value === undefined || value === null ? "" : typeof value === "string" ? value : describeError(value), nonRetryable: false };
    } catch (error) {
      // A JobFailure carries words the handler chose; any other error is unexpected and its stack helps more.
      if (error instanceof JobFailure) return { state: "FAILED", message: error.message, nonRetryable: error.nonRetryable };
      return { state: "FAILED", message: describeError(error), nonRetryable: false };
    }
  }

  private logFile(): string {
    return runLogPath(this.deps.logDir, this.spec.runId, this.spec.triggerTime);
  }
}
