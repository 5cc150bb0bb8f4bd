import { sql, type Kysely } from "kysely";
import type { DailyReport } from "../../domain/index.js";
import { upsert } from "../dialect.js";
import { int } from "../row-values.js";
import type { Database } from "../tables/index.js";

/** Changes to one day's counters; negative values move a run out of a counter (e.g. RUNNING → SUCCEEDED). */
export interface ReportDeltas {
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Rows a day's counters are spread over. Transactions that finish runs at the same time then mostly add to
 * different rows instead of each waiting for the previous one's commit to take the day's single row.
 */
export const REPORT_SLOTS = 16;

/**
 * Adds to a day's counters in one atomic upsert on one of the day's slots (random unless given): the slot's row is
 * created with the deltas or, if it exists, each counter is incremented in the database, so concurrent admins never
 * lose each other's increments.
 */
export async function addToDailyReport(db: Kysely<Database>, day: string, deltas: ReportDeltas, now: number, slot = Math.floor(Math.random() * REPORT_SLOTS)): Promise<void> {
  checkDay(day);
  if (!Number.isInteger(slot) || slot < 0 || slot >= REPORT_SLOTS) throw new RangeError(`a report slot must be an integer from 0 to ${REPORT_SLOTS - 1}, got ${slot}`);
  const increment = (column: "running_count" | "succeeded_count" | "failed_count", delta: number) =>
    sql<number>`${sql.ref(`jw_daily_report_slot.${column}`)} + ${delta}`;
  await upsert(
    db,
    db.insertInto("jw_daily_report_slot").values({
      day,
      slot,
      running_count: deltas.running,
      succeeded_count: deltas.succeeded,
      failed_count: deltas.failed,
      update_time: now,
    }),
    ["day", "slot"],
    {
      running_count: increment("running_count", deltas.running),
      succeeded_count: increment("succeeded_count", deltas.succeeded),
      failed_count: increment("failed_count", deltas.failed),
      update_time: now,
    },
  );
}

/** Reports of the days from `fromDay` to `toDay` (inclusive, `YYYY-MM-DD`), oldest first; days without runs are absent. */
export async function listDailyReports(db: Kysely<Database>, fromDay: string, toDay: string): Promise<DailyReport[]> {
  checkDay(fromDay);
  checkDay(toDay);
  const rows = await db
    .selectFrom("jw_daily_report_slot")
    .select((eb) => [
      "day",
      eb.fn.sum("running_count").as("running_count"),
      eb.fn.sum("succeeded_count").as("succeeded_count"),
      eb.fn.sum("failed_count").as("failed_count"),
      eb.fn.max("update_time").as("update_time"),
    ])
    .where("day", ">=", fromDay)
    .where("day", "<=", toDay)
    .groupBy("day")
    .orderBy("day")
    .execute();
  return rows.map((row) => ({
    day: row.day,
    runningCount: int(row.running_count),
    succeededCount: int(row.succeeded_count),
    failedCount: int(row.failed_count),
    updateTime: int(row.update_time),
  }));
}

function checkDay(day: string): void {
  if (!DAY.test(day)) throw new RangeError(`a report day must be a UTC date as YYYY-MM-DD, got "${day}"`);
}
