import { sql, type Kysely, type Selectable } from "kysely";
import type { DailyReport } from "../../domain/index.js";
import { upsert } from "../dialect.js";
import { int } from "../row-values.js";
import type { DailyReportTable, Database } from "../tables/index.js";

/** Changes to one day's counters; negative values move a run out of a counter (e.g. RUNNING → SUCCEEDED). */
export interface ReportDeltas {
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Adds to a day's counters in one atomic upsert: the row is created with the deltas or, if it exists, each
 * counter is incremented in the database, so concurrent admins never lose each other's increments.
 */
export async function addToDailyReport(db: Kysely<Database>, day: string, deltas: ReportDeltas, now: number): Promise<void> {
  checkDay(day);
  const increment = (column: "running_count" | "succeeded_count" | "failed_count", delta: number) =>
    sql<number>`${sql.ref(`jw_daily_report.${column}`)} + ${delta}`;
  await upsert(
    db,
    db.insertInto("jw_daily_report").values({
      day,
      running_count: deltas.running,
      succeeded_count: deltas.succeeded,
      failed_count: deltas.failed,
      update_time: now,
    }),
    ["day"],
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
  const rows = await db.selectFrom("jw_daily_report").selectAll().where("day", ">=", fromDay).where("day", "<=", toDay).orderBy("day").execute();
  return rows.map(rowToReport);
}

function checkDay(day: string): void {
  if (!DAY.test(day)) throw new RangeError(`a report day must be a UTC date as YYYY-MM-DD, got "${day}"`);
}

function rowToReport(row: Selectable<DailyReportTable>): DailyReport {
  return {
    day: row.day,
    runningCount: int(row.running_count),
    succeededCount: int(row.succeeded_count),
    failedCount: int(row.failed_count),
    updateTime: int(row.update_time),
  };
}
