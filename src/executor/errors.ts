/**
 * Thrown (through `ctx.fail()` or directly) to end a run as FAILED with a chosen message. Unlike any other error
 * its message is reported as is, without a stack trace, because the handler chose the words.
 */
export class JobFailure extends Error {
  /** True when the admin must not retry the run. */
  readonly nonRetryable: boolean = false;

  constructor(message: string) {
    super(message);
    this.name = "JobFailure";
  }
}

/**
 * A failure that retrying cannot fix (bad parameter, missing data): the run ends FAILED and the admin does not
 * schedule another attempt, whatever the job's retry count.
 */
export class NonRetryableJobFailure extends JobFailure {
  override readonly nonRetryable: boolean = true;

  constructor(message: string) {
    super(message);
    this.name = "NonRetryableJobFailure";
  }
}
