/**
 * Public types of the executor SDK. They are plain TypeScript (string-literal unions, numbers, Dates) so that
 * users never depend on the generated protobuf code, which may change shape between versions of the generator.
 */

/**
 * How a run ended, as reported to the admin.
 *
 * @example
 * ```ts
 * const final: RunOutcomeState = "SUCCEEDED"; // or "FAILED", "TIMED_OUT", "KILLED"
 * ```
 */
export type RunOutcomeState = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "KILLED";

/**
 * What the executor does with a new run of a job that is busy here. The admin sends it with every run (it is a
 * setting of the job); the executor enforces it:
 * - `SERIAL`: queue the run behind the others;
 * - `DISCARD_LATER`: refuse the new run while the job is busy;
 * - `COVER_EARLY`: abort the running run (reported KILLED), drop the queued ones (reported KILLED, not
 *   executed) and run the new one;
 * - `CONCURRENT`: run up to the job's concurrency in parallel and queue the rest.
 *
 * @example
 * ```ts
 * const strategy: BlockStrategy = "COVER_EARLY";
 * ```
 */
export type BlockStrategy = "SERIAL" | "DISCARD_LATER" | "COVER_EARLY" | "CONCURRENT";

/**
 * What a run executes: a registered handler (`BEAN`) or a script sent by the admin (the GLUE types, run only
 * when the executor was created with `glueEnabled: true`).
 *
 * @example
 * ```ts
 * const scriptTypes: GlueType[] = ["SHELL", "PYTHON", "NODEJS", "PHP", "POWERSHELL"];
 * ```
 */
export type GlueType = "BEAN" | "SHELL" | "PYTHON" | "NODEJS" | "PHP" | "POWERSHELL";

/**
 * Lifecycle of an executor: `start()` moves it to RUNNING, `stop()` through STOPPING to STOPPED.
 *
 * @example
 * ```ts
 * if (executor.state === "RUNNING") await executor.stop();
 * ```
 */
export type ExecutorState = "INITIALIZED" | "RUNNING" | "STOPPING" | "STOPPED";

/**
 * What a handler receives for one run.
 *
 * @example
 * ```ts
 * executor.register("syncOrders", async (ctx) => {
 *   ctx.log("shard %d of %d, param %j", ctx.shardIndex, ctx.shardTotal, ctx.param);
 *   const response = await fetch(`https://orders.internal/sync?shard=${ctx.shardIndex}`, { signal: ctx.signal });
 *   if (response.status === 400) ctx.failNonRetryable("the order service refuses the request");
 *   if (!response.ok) ctx.fail(`order service answered ${response.status}`);
 *   return `synced shard ${ctx.shardIndex}`;
 * });
 * ```
 */
export interface RunContext {
  /**
   * The run's parameter (the job's, or the one given to a manual trigger).
   * @example `const { since } = JSON.parse(ctx.param || "{}") as { since?: string };`
   */
  readonly param: string;
  /**
   * The job id.
   * @example `ctx.log("job %d", ctx.jobId);`
   */
  readonly jobId: number;
  /**
   * The run id; the admin shows the run's log and result under it.
   * @example `await db.insert({ runId: ctx.runId, startedAt: new Date() });`
   */
  readonly runId: number;
  /**
   * Shard of this run, 0-based (0 unless the job is a sharding broadcast).
   * @example `const mine = rows.filter((row) => row.id % ctx.shardTotal === ctx.shardIndex);`
   */
  readonly shardIndex: number;
  /**
   * Number of shards of the fire (1 unless the job is a sharding broadcast).
   * @example `ctx.log("shard %d/%d", ctx.shardIndex, ctx.shardTotal);`
   */
  readonly shardTotal: number;
  /**
   * 0 for the first attempt of a fire, n for its n-th retry.
   * @example `if (ctx.attempt > 0) ctx.log("retry %d", ctx.attempt);`
   */
  readonly attempt: number;
  /**
   * Path of the run's log file, which `log()` appends to.
   * @example `ctx.log("my log is %s", ctx.logFile);`
   */
  readonly logFile: string;
  /**
   * Aborted when the run is killed, times out, is replaced under COVER_EARLY or the executor stops. Pass it to
   * whatever the handler awaits (fetch, timers, database calls); JavaScript cannot interrupt a handler that
   * ignores it. Its `reason` is an Error saying why.
   * @example `await fetch(url, { signal: ctx.signal });`
   */
  readonly signal: AbortSignal;
  /**
   * Appends one line to the run's log, formatted like `util.format(format, ...args)`, with a timestamp.
   * @example `ctx.log("imported %d rows from %s", rows.length, file);`
   */
  log(format: unknown, ...args: unknown[]): void;
  /**
   * Ends the run as FAILED with `message`; the admin may retry it.
   * @example `if (!ready) ctx.fail("the warehouse API is in maintenance");`
   */
  fail(message: string): never;
  /**
   * Ends the run as FAILED with `message` and tells the admin not to retry it.
   * @example `if (Number.isNaN(limit)) ctx.failNonRetryable(`param ${ctx.param} is not a number`);`
   */
  failNonRetryable(message: string): never;
}

/**
 * A job handler. Returning (or resolving to) a string succeeds with that string as the run's message; returning
 * nothing succeeds with an empty message; throwing fails the run with the error's stack as message.
 *
 * @example
 * ```ts
 * const cleanup: JobHandler = async (ctx) => {
 *   const removed = await removeExpiredSessions({ signal: ctx.signal });
 *   return `removed ${removed} sessions`;
 * };
 * executor.register("cleanupSessions", cleanup);
 * ```
 */
export type JobHandler = (ctx: RunContext) => Promise<string | void> | string | void;

/**
 * Lifecycle hooks of a handler, run once per job queue: `init` before its first run, `destroy` when the queue
 * ends (idle for a while, replaced by another handler or GLUE version, or executor stop).
 *
 * @example
 * ```ts
 * let pool: Pool | undefined;
 * executor.register("report", async (ctx) => { await pool!.query("…"); }, {
 *   init: async () => { pool = await createPool(); },
 *   destroy: async () => { await pool?.end(); },
 * });
 * ```
 */
export interface JobHandlerHooks {
  /** Runs before the first run of a job queue; a failure fails that run, and the next run tries again. */
  init?: () => Promise<void> | void;
  /** Runs when the job queue ends; a failure is logged. */
  destroy?: () => Promise<void> | void;
}
