import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import path from "node:path";
import type { Logger } from "../shared/logger.js";

/** Name of a day folder: `yyyy-MM-dd`. */
const DAY_FOLDER = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Path of a run's log: `<logDir>/<yyyy-MM-dd>/<runId>.log`. The day is the run's trigger time in UTC, not in the
 * executor's time zone (XXL-JOB's choice), so that the admin, which only knows the run id and trigger time, names
 * the same file whatever time zones the two machines use.
 */
export function runLogPath(logDir: string, runId: number, triggerTimeMs: number): string {
  return path.join(logDir, utcDay(triggerTimeMs), `${runId}.log`);
}

/** The `yyyy-MM-dd` of an instant in UTC. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** True for names of day folders, so that retention never touches anything else under logDir. */
export function isDayFolder(name: string): boolean {
  return DAY_FOLDER.test(name) && !Number.isNaN(Date.parse(`${name}T00:00:00Z`));
}

/**
 * Appends timestamped lines to one run's log file. Writes go through one append stream, so lines keep their
 * order without blocking the event loop. A log that cannot be written (full disk, no permission) is reported
 * once to the executor's logger and then ignored: losing a log line must not fail the run it describes.
 */
export class RunLogWriter {
  private stream: WriteStream | undefined;
  private broken = false;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {}

  /** Appends one line (or several, if the text holds newlines) with a timestamp prefix. */
  line(text: string): void {
    if (this.closed || this.broken) return;
    const stream = this.stream ?? this.open();
    if (stream === undefined) return;
    stream.write(`${timestamp()} ${text}\n`);
  }

  /** Flushes and closes the file; later lines are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stream = this.stream;
    if (stream === undefined || this.broken) return;
    await new Promise<void>((resolve) => stream.end(resolve));
  }

  private open(): WriteStream | undefined {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const stream = createWriteStream(this.file, { flags: "a" });
      stream.on("error", (error) => this.fail(error));
      this.stream = stream;
      return stream;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  private fail(error: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.logger.warn("cannot write run log; further lines of this run are dropped", { file: this.file, error });
  }
}

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC, the same clock the day folders use. */
function timestamp(): string {
  return new Date().toISOString().replace("T", " ").slice(0, 23);
}
