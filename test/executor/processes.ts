import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { runLogPath } from "../../src/executor/run-log.js";
import { waitFor } from "./wait-for.js";

/**
 * True while a process runs. `process.kill(pid, 0)` alone is not enough: a process that has exited stays a
 * zombie until its parent collects it, and orphans (a script's `sleep &` after the script was killed) belong to
 * PID 1, which in some containers never collects them. A zombie has exited, so on Linux its state decides.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== "linux") return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Waits until a line `<name>=<pid>` appears in a run's log and returns the pid. */
export function pidFromLog(logDir: string, runId: bigint, triggerTimeMs: number, name: string): Promise<number> {
  const file = runLogPath(logDir, Number(runId), triggerTimeMs);
  const pattern = new RegExp(`${name}=(\\d+)`);
  return waitFor(`"${name}=<pid>" in the log of run ${runId}`, async () => {
    const match = pattern.exec(await readFile(file, "utf8"));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  });
}

export function waitForExit(pid: number, what: string, timeoutMs = 10_000): Promise<true> {
  return waitFor(`${what} (pid ${pid}) to be gone`, () => (processAlive(pid) ? undefined : true), timeoutMs, 20);
}
