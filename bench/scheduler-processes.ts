/**
 * Processes of the scheduler benchmarks: admin child processes (bench/scheduler-admin-child.ts) and CPU time
 * read from /proc (Linux), for the method's "CPU seconds per 1 000 jobs of your own processes" and to see how
 * much of the machine the database server takes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { AdminOptions } from "../src/admin/index.js";
import type { DialectName } from "../src/admin/persistence/index.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD_SCRIPT = path.join(HERE, "scheduler-admin-child.ts");
/** Admin processes still running; killed when this process exits. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill("SIGKILL");
    process.exit(130);
  });
}

/** Linux reports process times in clock ticks; 100 per second on every common kernel configuration. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface AdminProcess {
  readonly pid: number;
  readonly url: string;
  readonly nodeId: string;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  /** SIGKILL, no cleanup: the crash the takeover benchmark needs. */
  kill(): Promise<void>;
  /** SIGTERM: graceful stop (hands back planned fires, writes a `--cpu-prof` profile when enabled). */
  stop(): Promise<void>;
}

/**
 * Starts an admin in its own process and resolves once it listens. With `JOBWIRE_BENCH_CPU_PROF=<dir>` the
 * child runs with `--cpu-prof` and writes its profile to `<dir>` when stopped.
 */
export async function spawnAdmin(options: AdminOptions & { nodeId: string }): Promise<AdminProcess> {
  const profileDir = process.env["JOBWIRE_BENCH_CPU_PROF"];
  const nodeArgs = ["--import", "tsx", ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [])];
  const child = spawn(process.execPath, [...nodeArgs, CHILD_SCRIPT], {
    env: { ...process.env, JOBWIRE_BENCH_ADMIN: JSON.stringify({ port: 0, host: "127.0.0.1", ...options }) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Never leave an admin behind when the benchmark process ends (finishes, crashes or is interrupted).
  live.add(child);
  void exited.then(() => live.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const onExit = (code: number | null): void => reject(new Error(`admin child ${options.nodeId} exited with ${String(code)} before listening`));
    child.once("exit", onExit);
    lines.once("line", (line) => {
      child.off("exit", onExit);
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
  const pid = child.pid ?? 0;
  let lastCpu = 0;
  return {
    pid,
    url,
    nodeId: options.nodeId,
    cpuSeconds() {
      // A dead process has no /proc entry; keep its last reading.
      const value = processCpuSeconds(pid);
      if (value !== undefined) lastCpu = value;
      return lastCpu;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      await stopChild(child, exited);
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  await exited;
  clearTimeout(timer);
}

/** CPU seconds (utime + stime) of a process from /proc/<pid>/stat; undefined when it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may contain spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** This process's CPU seconds (user + system). */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

const SERVER_COMMANDS: Readonly<Record<DialectName, readonly string[]>> = {
  sqlite: [],
  mysql: ["mariadbd", "mysqld"],
  postgres: ["postgres"],
};

/**
 * CPU seconds used so far by the database server's processes (all of them: the server is shared, so the delta over
 * a run is that run's share only when nothing else uses the server). 0 for SQLite (in-process).
 */
export function databaseServerCpuSeconds(dialect: DialectName): number {
  const names = SERVER_COMMANDS[dialect];
  if (names.length === 0) return 0;
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      if (!names.includes(comm)) continue;
      total += processCpuSeconds(Number(entry)) ?? 0;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/** Busy CPU seconds of the whole machine so far (all cores; /proc/stat, idle and iowait excluded). */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS_PER_SECOND;
}

/**
 * On a shared machine, waits (up to `JOBWIRE_BENCH_QUIET_WAIT_S`, default 300 s; 0 disables) until the machine
 * was less than `JOBWIRE_BENCH_QUIET_PCT` (default 25) % busy over 3 s, so that figures are not measured
 * while other work holds the cores. Returns the busy share last seen (%), which the tables report.
 */
export async function waitForQuietMachine(log: (message: string) => void): Promise<number> {
  const maxWaitMs = Number(process.env["JOBWIRE_BENCH_QUIET_WAIT_S"] ?? "300") * 1000;
  const threshold = Number(process.env["JOBWIRE_BENCH_QUIET_PCT"] ?? "25");
  const cores = availableParallelism();
  const started = Date.now();
  let logged = 0;
  for (;;) {
    const before = machineBusySeconds();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const busyPct = ((machineBusySeconds() - before) / (3 * cores)) * 100;
    if (busyPct < threshold || Date.now() - started >= maxWaitMs) {
      if (busyPct >= threshold) log(`machine still ${busyPct.toFixed(0)} % busy after waiting ${Math.round((Date.now() - started) / 1000)} s; measuring anyway`);
      return busyPct;
    }
    if (Date.now() - logged > 30_000) {
      logged = Date.now();
      log(`machine ${busyPct.toFixed(0)} % busy with other work; waiting for it to calm down`);
    }
  }
}
