/**
 * Public types of the executor SDK. They are plain TypeScript (string-literal unions, numbers, Dates) so that
 * users never depend on the generated protobuf code, which may change shape between versions of the generator.
 */

/** How a run ended, as reported to the admin. */
export type RunOutcomeState = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "KILLED";

/** What the executor does with a new run of a job that is busy here. */
export type BlockStrategy = "SERIAL" | "DISCARD_LATER" | "COVER_EARLY" | "CONCURRENT";

/** What a run executes: a registered handler (BEAN) or a script sent by the admin (GLUE types). */
export type GlueType = "BEAN" | "SHELL" | "PYTHON" | "NODEJS" | "PHP" | "POWERSHELL";

/** Lifecycle of an executor: `start()` moves it to RUNNING, `stop()` through STOPPING to STOPPED. */
export type ExecutorState = "INITIALIZED" | "RUNNING" | "STOPPING" | "STOPPED";

/** What a handler receives for one run. */
export interface RunContext {
  /** The run's parameter (the job's, or the one given to a manual trigger). */
  readonly param: string;
  /** The job id. */
  readonly jobId: number;
  /** The run id; the admin shows the run's log and result under it. */
  readonly runId: number;
  /** Shard of this run, 0-based (0 unless the job is a sharding broadcast). */
  readonly shardIndex: number;
  /** Number of shards of the fire (1 unless the job is a sharding broadcast). */
  readonly shardTotal: number;
  /** 0 for the first attempt of a fire, n for its n-th retry. */
  readonly attempt: number;
  /** Path of the run's log file, which `log()` appends to. */
  readonly logFile: string;
  /**
   * Aborted when the run is killed, times out or the executor stops. Pass it to whatever the handler awaits
   * (fetch, timers, database calls); JavaScript cannot interrupt a handler that ignores it.
   */
  readonly signal: AbortSignal;
  /** Appends one line to the run's log, formatted like `util.format(format, ...args)`, with a timestamp. */
  log(format: unknown, ...args: unknown[]): void;
  /** Ends the run as FAILED with `message`; the admin may retry it. */
  fail(message: string): never;
  /** Ends the run as FAILED with `message` and tells the admin not to retry it. */
  failNonRetryable(message: string): never;
}

/**
 * A job handler. Returning (or resolving to) a string succeeds with that string as the run's message; returning
 * nothing succeeds with an empty message; throwing fails the run with the error's stack as message.
 */
export type JobHandler = (ctx: RunContext) => Promise<string | void> | string | void;

/** Lifecycle hooks of a handler, run once per job queue: `init` before its first run, `destroy` at its end. */
export interface JobHandlerHooks {
  init?: () => Promise<void> | void;
  destroy?: () => Promise<void> | void;
}
