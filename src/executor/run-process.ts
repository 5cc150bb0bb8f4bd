import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { processTreeAlive, terminateProcessTree } from "./process-tree.js";
import type { RunContext } from "./types.js";

/**
 * Options of `runProcess`.
 *
 * @example
 * ```ts
 * const options: RunProcessOptions = { cwd: "/srv/reports", env: { ...process.env, TZ: "UTC" }, killGraceMs: 10_000 };
 * ```
 */
export interface RunProcessOptions {
  /** Working directory of the process. @default the executor's */
  readonly cwd?: string;
  /** Environment of the process. @default the executor's (`process.env`) */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * On abort (kill, timeout, COVER_EARLY, executor stop), the process tree gets SIGTERM, and SIGKILL if anything
   * of it is still alive after this many milliseconds.
   * @default 3000
   */
  readonly killGraceMs?: number;
}

/**
 * How a process started by `runProcess` ended.
 *
 * @example
 * ```ts
 * const outcome: ProcessOutcome = await runProcess(ctx, "pg_dump", ["orders"]);
 * if (outcome.exitCode !== 0) ctx.fail(`pg_dump exited with ${outcome.exitCode ?? outcome.signal}: ${outcome.stderrTail.join("\n")}`);
 * ```
 */
export interface ProcessOutcome {
  /** Process id of the started process, which led its own process group. */
  readonly pid: number;
  /** Exit code, or null when the process was ended by a signal. */
  readonly exitCode: number | null;
  /** The signal that ended the process, or null when it exited by itself. */
  readonly signal: NodeJS.Signals | null;
  /** True when `ctx.signal` aborted the run while the process was running (the tree was then terminated). */
  readonly aborted: boolean;
  /** The last lines (at most 20) the process wrote to stderr, for failure messages. */
  readonly stderrTail: readonly string[];
}

const DEFAULT_KILL_GRACE_MS = 3_000;
const STDERR_TAIL_LINES = 20;

/**
 * Runs a program for a handler: stdout and stderr go line by line into the run's log (stderr lines prefixed with
 * `[stderr]`), and the program runs as the leader of its own process group, so that aborting the run (kill,
 * timeout, COVER_EARLY, executor stop) terminates the whole tree it started, not just the first process.
 * Descendants still running when the program exits are terminated too: a run leaves nothing behind. Rejects only
 * when the program cannot be started (not found, not executable), with the reason.
 *
 * @example
 * ```ts
 * executor.register("nightlyBackup", async (ctx) => {
 *   const outcome = await runProcess(ctx, "/opt/backup/run.sh", [ctx.param]);
 *   if (outcome.aborted) return;
 *   if (outcome.exitCode !== 0) ctx.fail(`backup exited with code ${outcome.exitCode}`);
 *   return "backup done";
 * });
 * ```
 */
export function runProcess(ctx: Pick<RunContext, "signal" | "log">, command: string, args: readonly string[] = [], options: RunProcessOptions = {}): Promise<ProcessOutcome> {
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  if (ctx.signal.aborted) return Promise.reject(new Error(`${command} was not started: the run was already aborted`));
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      // A new session and process group on POSIX; on Windows it would open a console window instead.
      detached: process.platform !== "win32",
      stdio: ["ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    const stderrTail: string[] = [];
    let aborted = false;
    let terminating: Promise<void> | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let forceClose: NodeJS.Timeout | undefined;

    const terminate = (): void => {
      if (child.pid !== undefined) terminating ??= terminateProcessTree(child.pid, graceMs);
    };
    const onAbort = (): void => {
      aborted = true;
      terminate();
    };
    const cleanup = (): void => {
      ctx.signal.removeEventListener("abort", onAbort);
      clearTimeout(forceClose);
    };

    pipeLines(child.stdout, (line) => ctx.log("%s", line));
    pipeLines(child.stderr, (line) => {
      ctx.log("[stderr] %s", line);
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
    });

    child.once("error", (error) => {
      // Also emitted when a signal cannot be delivered; only a failed start (no pid) ends the promise here.
      if (child.pid !== undefined) return;
      cleanup();
      reject(new Error(`cannot start ${JSON.stringify(command)}: ${error.message}`, { cause: error }));
    });
    child.once("spawn", () => {
      // An abort between spawn() and this event has no listener yet to act on it.
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      // Descendants left running (a backgrounded `sleep &`) belong to the run and would also hold the output
      // pipes open, so they are terminated like an aborted run's tree.
      if (child.pid !== undefined && processTreeAlive(child.pid)) terminate();
      // A descendant that escaped the group (its own setsid) may keep the pipes open forever: stop reading then.
      forceClose = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, graceMs + 1_000);
      forceClose.unref();
    });
    child.once("close", (code: number | null, signal: NodeJS.Signals | null) => {
      void (terminating ?? Promise.resolve()).then(() => {
        cleanup();
        const ended = exit ?? { code, signal };
        resolve({ pid: child.pid ?? 0, exitCode: ended.code, signal: ended.signal, aborted, stderrTail });
      });
    });
  });
}

function pipeLines(stream: Readable, onLine: (line: string) => void): void {
  stream.setEncoding("utf8");
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on("line", onLine);
  // A destroyed pipe (see forceClose) must not become an unhandled error.
  stream.on("error", () => lines.close());
}
