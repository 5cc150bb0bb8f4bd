/**
 * Thrown (through `ctx.fail()` or directly) to end a run as FAILED with a chosen message. Unlike any other error
 * its message is reported as is, without a stack trace, because the handler chose the words.
 *
 * @example
 * ```ts
 * executor.register("importFeed", async (ctx) => {
 *   const feed = await download(ctx.param);
 *   if (feed === undefined) throw new JobFailure(`feed ${ctx.param} is not published yet`); // same as ctx.fail(…)
 *   return `imported ${feed.items.length} items`;
 * });
 * ```
 */
export class JobFailure extends Error {
  /**
   * True when the admin must not retry the run.
   * @example `catch (error) { if (error instanceof JobFailure && error.nonRetryable) alertOwner(error.message); throw error; }`
   */
  readonly nonRetryable: boolean = false;

  constructor(message: string) {
    super(message);
    this.name = "JobFailure";
  }
}

/**
 * A failure that retrying cannot fix (bad parameter, missing data): the run ends FAILED and the admin does not
 * schedule another attempt, whatever the job's retry count.
 *
 * @example
 * ```ts
 * executor.register("resize", (ctx) => {
 *   const width = Number(ctx.param);
 *   if (!Number.isInteger(width)) throw new NonRetryableJobFailure(`param ${ctx.param} is not a width`); // same as ctx.failNonRetryable(…)
 *   return `resized to ${width}`;
 * });
 * ```
 */
export class NonRetryableJobFailure extends JobFailure {
  override readonly nonRetryable: boolean = true;

  constructor(message: string) {
    super(message);
    this.name = "NonRetryableJobFailure";
  }
}
