import type { RunOutcomeState } from "./types.js";

/** The longest message an executor reports (XXL-JOB cuts at the same length; the admin keeps 15 000). */
export const MAX_RESULT_MESSAGE_CHARS = 50_000;

/**
 * A run's result as the executor keeps it until an admin acknowledges it. It is plain data (no proto types, no
 * functions) so that a later spool can write it to disk as JSON and read it back after a restart.
 */
export interface RunResultRecord {
  readonly runId: number;
  readonly state: RunOutcomeState;
  readonly message: string;
  readonly nonRetryable: boolean;
  /** Epoch ms when the handler started; undefined if it never started (killed while queued). */
  readonly startTime: number | undefined;
  /** Epoch ms when the run ended. */
  readonly endTime: number;
}

/** Cuts a message to the reportable length, marking the cut with "..." as XXL-JOB does. */
export function capMessage(message: string): string {
  return message.length <= MAX_RESULT_MESSAGE_CHARS ? message : `${message.slice(0, MAX_RESULT_MESSAGE_CHARS - 3)}...`;
}

/** Describes a thrown value for a result message: the stack of an Error (it names the place), else its text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
