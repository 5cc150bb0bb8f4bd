import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Signals a whole process tree. On POSIX the tree is the process group the child leads (it was spawned
 * `detached`, i.e. with `setsid`), so `kill(-pid)` reaches every descendant that did not leave the group on
 * purpose, even after the leader itself has exited. Windows has no process groups; `taskkill /T` walks the tree
 * from the leader instead (and cannot send a gentle signal, so it always forces).
 *
 * Returns false when nothing was left to signal.
 */
export function signalProcessTree(pid: number, signal: "SIGTERM" | "SIGKILL"): boolean {
  if (process.platform === "win32") {
    const taskkill = spawn("taskkill", ["/pid", String(pid), "/T", "/F"], { stdio: "ignore", windowsHide: true });
    taskkill.on("error", () => {});
    return true;
  }
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    // ESRCH: the group is empty. EPERM: a member changed its user id; nothing this process may do about it.
    if ((error as NodeJS.ErrnoException).code === "ESRCH" || (error as NodeJS.ErrnoException).code === "EPERM") return false;
    throw error;
  }
}

/**
 * True while any live process of the group led by `pid` exists (always false on Windows, where groups do not
 * exist). On Linux, zombies do not count: an orphan that exited waits for its new parent (PID 1) to reap it, and
 * a container whose PID 1 never reaps would otherwise make every killed tree look alive forever.
 */
export function processTreeAlive(pid: number): boolean {
  if (process.platform === "win32") return false;
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== "linux") return true;
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readStat(entry);
      if (stat !== undefined && stat.pgrp === pid && stat.state !== "Z" && stat.state !== "X") return true;
    }
    return false;
  } catch {
    return true;
  }
}

/** State letter and process group of a process, from `/proc/<pid>/stat`; undefined if it is gone. */
function readStat(pid: string): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold spaces and parentheses: parse after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const pgrp = Number(fields[2]);
  return state === undefined || Number.isNaN(pgrp) ? undefined : { state, pgrp };
}

/**
 * Terminates a process tree: SIGTERM so that processes can clean up, then SIGKILL for whatever is still there
 * after `graceMs`. Resolves once the SIGKILL was sent or the tree was found gone.
 */
export async function terminateProcessTree(pid: number, graceMs: number, pollMs = 50): Promise<void> {
  if (!signalProcessTree(pid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
    if (!processTreeAlive(pid)) return;
  }
  signalProcessTree(pid, "SIGKILL");
}
