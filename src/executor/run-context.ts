import { format } from "node:util";
import { JobFailure, NonRetryableJobFailure } from "./errors.js";
import type { RunLogWriter } from "./run-log.js";
import type { RunContext } from "./types.js";

/** The run a context is built for: its identity and param. */
export interface RunContextSource {
  readonly param: string;
  readonly jobId: number;
  readonly runId: number;
  readonly shardIndex: number;
  readonly shardTotal: number;
  readonly attempt: number;
}

/**
 * Builds the context handed to a handler. It is a frozen plain object so that a handler can destructure it
 * (`async ({ param, log }) => …`) without losing `this`.
 */
export function createRunContext(source: RunContextSource, writer: RunLogWriter, signal: AbortSignal): RunContext {
  return Object.freeze({
    param: source.param,
    jobId: source.jobId,
    runId: source.runId,
    shardIndex: source.shardIndex,
    shardTotal: source.shardTotal,
    attempt: source.attempt,
    logFile: writer.file,
    signal,
    log(message: unknown, ...args: unknown[]): void {
      writer.line(format(message, ...args));
    },
    fail(message: string): never {
      throw new JobFailure(message);
    },
    failNonRetryable(message: string): never {
      throw new NonRetryableJobFailure(message);
    },
  });
}
