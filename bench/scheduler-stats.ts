/**
 * Measurements of the scheduler benchmarks, with the definitions of the peer baselines
 * (/work/shared/reference/peer-benchmarks.md): lateness is handler start − nominal instant; a slot is one
 * (job, nominal instant); missed = slots with no handler start; duplicates = slots started more than once.
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../src/admin/persistence/index.js";
import { percentile } from "./bench-suite.js";
import type { HandlerStart } from "./scheduler-fake-executor.js";

export interface LatenessMs {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function lateness(values: readonly number[]): LatenessMs {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] ?? 0) };
}

/** The expected slots of a run: per job, its nominal instants inside the measured window. */
export interface SlotPlan {
  /** Nominal instants of `jobId` that must fire (ascending). */
  instantsOf(jobId: number): readonly number[];
  readonly jobIds: readonly number[];
  /** Whether an instant belongs to the measured window (later slots are load, not measured). */
  inWindow(instant: number): boolean;
}

export interface SlotReport {
  readonly expected: number;
  /** Slots started at least once. */
  readonly fired: number;
  readonly missed: number;
  /** Slots started more than once (each extra start counts once). */
  readonly duplicates: number;
  readonly lateness: LatenessMs;
  /** Handler starts of measured slots (first start of each slot). */
  readonly starts: number;
}

function key(jobId: number, instant: number): string {
  return `${jobId}:${instant}`;
}

/** Compares handler starts with the expected slots. */
export function analyseSlots(plan: SlotPlan, starts: readonly HandlerStart[]): SlotReport {
  const seen = new Map<string, number>();
  const late: number[] = [];
  let duplicates = 0;
  for (const start of starts) {
    if (!plan.inWindow(start.scheduledTime)) continue;
    const k = key(start.jobId, start.scheduledTime);
    const count = seen.get(k) ?? 0;
    seen.set(k, count + 1);
    if (count === 0) late.push(start.startedAt - start.scheduledTime);
    else duplicates++;
  }
  let expected = 0;
  let fired = 0;
  for (const jobId of plan.jobIds) {
    for (const instant of plan.instantsOf(jobId)) {
      expected++;
      if (seen.has(key(jobId, instant))) fired++;
    }
  }
  return { expected, fired, missed: expected - fired, duplicates, lateness: lateness(late), starts: late.length };
}

/**
 * Counts measured slots that have started at least once, incrementally (for the drain phase, which polls it while
 * hundreds of thousands of starts accumulate).
 */
export function createFiredCounter(plan: SlotPlan): (starts: readonly HandlerStart[]) => number {
  const seen = new Set<string>();
  let index = 0;
  return (starts) => {
    for (; index < starts.length; index++) {
      const start = starts[index];
      if (start !== undefined && plan.inWindow(start.scheduledTime)) seen.add(key(start.jobId, start.scheduledTime));
    }
    return seen.size;
  };
}

/** Scheduled runs per (job, instant) beyond the first, in the database: the store's view of duplicates. */
export async function databaseDuplicates(db: Kysely<Database>, from: number, to: number): Promise<number> {
  const rows = await db
    .selectFrom("jw_run")
    .select(["job_id", "scheduled_time", (eb) => eb.fn.countAll().as("n")])
    .where("trigger_type", "in", ["SCHEDULE", "MISFIRE"])
    .where("scheduled_time", ">=", from)
    .where("scheduled_time", "<", to)
    .groupBy(["job_id", "scheduled_time"])
    .having((eb) => eb.fn.countAll(), ">", 1)
    .execute();
  return rows.reduce((sum, row) => sum + Number(row.n) - 1, 0);
}

/** Run rows by state (all runs of the database). */
export async function runStates(db: Kysely<Database>): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("jw_run")
    .select(["state", (eb) => eb.fn.countAll().as("n")])
    .groupBy("state")
    .execute();
  return Object.fromEntries(rows.map((row) => [row.state, Number(row.n)]));
}

/** trigger_time − scheduled_time from the run rows of a window: the admin's own view of its lateness. */
export async function triggerLateness(db: Kysely<Database>, from: number, to: number): Promise<LatenessMs> {
  const rows = await db
    .selectFrom("jw_run")
    .select(sql<number>`trigger_time - scheduled_time`.as("late"))
    .where("trigger_type", "in", ["SCHEDULE", "MISFIRE"])
    .where("scheduled_time", ">=", from)
    .where("scheduled_time", "<", to)
    .execute();
  return lateness(rows.map((row) => Number(row.late)));
}

export function formatLateness(value: LatenessMs): string {
  return `${Math.round(value.p50)} / ${Math.round(value.p90)} / ${Math.round(value.p99)} / ${Math.round(value.max)}`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads an integer setting from the environment. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw.replace(/_/g, ""));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Reads a comma-separated list of positive integers from the environment (e.g. "1000,10000"). */
export function envIntList(name: string, fallback: readonly number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return [...fallback];
  return raw.split(",").map((part) => {
    const value = Number(part.trim().replace(/_/g, ""));
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must list positive integers, got "${raw}"`);
    return value;
  });
}

/** Progress lines go to stderr, so that stdout keeps only the tables and JSON lines. */
export function progress(message: string): void {
  process.stderr.write(`[scheduler-bench] ${message}\n`);
}
