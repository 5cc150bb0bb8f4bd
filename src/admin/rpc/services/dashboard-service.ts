import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { DailyRunStatsSchema, type DailyRunStats, type DashboardService } from "../../../gen/jobwire/v1/dashboard_service_pb.js";
import type { UserPrincipal } from "../../auth/principal.js";
import type { AdminContext } from "../../context.js";
import type { RunState } from "../../domain/index.js";
import { InvalidArgumentError } from "../../errors.js";
import { countJobs, countRunsByBucket, getGroup, listDailyReports, listRegistryEntries } from "../../persistence/index.js";
import { requireUser } from "../principal-guards.js";
import { dayCount, daysOfRange, type DayRange } from "./dashboard-days.js";

const DAY_MS = 86_400_000;
/** The longest daily series one call returns. */
export const MAX_DASHBOARD_DAYS = 366;

type Counts = { running: number; succeeded: number; failed: number };

/**
 * Console dashboard: job counts, live executors and the daily run series, in the admin's time zone (the zone of
 * the daily report). Administrators' series comes from the daily report kept incrementally as runs end, so it
 * costs one small read whatever the size of the run table (and outlives run retention and clears); only the
 * still-unfinished runs, which the report does not count, are counted from the run table. Normal users see only
 * their permitted groups, which the report (kept for all groups together) cannot tell apart, so their series is
 * counted from the run table of those groups in one grouped query.
 */
export function createDashboardService(app: AdminContext): ServiceImpl<typeof DashboardService> {
  return {
    async getDashboard(req, ctx) {
      const user = requireUser(ctx);
      const endMs = req.endTime === undefined ? app.now() : timestampMs(req.endTime);
      const startMs = req.startTime === undefined ? endMs - 7 * DAY_MS : timestampMs(req.startTime);
      if (endMs <= startMs) throw new InvalidArgumentError("end_time", "must be after start_time");
      const zone = app.options.timeZone;
      if (dayCount(startMs, endMs, zone) > MAX_DASHBOARD_DAYS) {
        throw new InvalidArgumentError("end_time", `must be at most ${MAX_DASHBOARD_DAYS} days after start_time`);
      }
      const range = daysOfRange(startMs, endMs, zone);
      const groupIds = user.role === "ADMIN" ? undefined : [...user.permittedGroupIds];
      const scope = groupIds === undefined ? {} : { groupIds };
      const [jobCount, runningJobCount, onlineExecutorCount, series] = await Promise.all([
        countJobs(app.db, scope),
        countJobs(app.db, { ...scope, state: "RUNNING" }),
        countOnlineExecutors(app, user),
        groupIds === undefined ? seriesFromReport(app, range) : seriesFromRuns(app, groupIds, range),
      ]);
      const days: DailyRunStats[] = range.days.map((day, i) => {
        const counts = series[i] ?? { running: 0, succeeded: 0, failed: 0 };
        return create(DailyRunStatsSchema, { day, runningCount: BigInt(counts.running), succeededCount: BigInt(counts.succeeded), failedCount: BigInt(counts.failed) });
      });
      const total = (key: keyof Counts): bigint => BigInt(series.reduce((sum, c) => sum + c[key], 0));
      return {
        jobCount: BigInt(jobCount),
        runningJobCount: BigInt(runningJobCount),
        onlineExecutorCount: BigInt(onlineExecutorCount),
        runningRunCount: total("running"),
        succeededRunCount: total("succeeded"),
        failedRunCount: total("failed"),
        days,
      };
    },
  };
}

/** Distinct live executor addresses of the groups the user may see. */
async function countOnlineExecutors(app: AdminContext, user: UserPrincipal): Promise<number> {
  const aliveSince = app.now() - app.options.deadTimeoutMs;
  let appNames: string[] | undefined;
  if (user.role !== "ADMIN") {
    const groups = await Promise.all(user.permittedGroupIds.map((id) => getGroup(app.db, id)));
    appNames = groups.flatMap((g) => (g === undefined ? [] : [g.appName]));
  }
  const entries = await listRegistryEntries(app.db, { aliveSince, ...(appNames === undefined ? {} : { appNames }) });
  return new Set(entries.map((e) => e.address)).size;
}

async function seriesFromReport(app: AdminContext, range: DayRange): Promise<Counts[]> {
  const first = range.days[0] ?? "";
  const last = range.days[range.days.length - 1] ?? first;
  const [reports, unfinished] = await Promise.all([
    listDailyReports(app.db, first, last),
    countRunsByBucket(app.db, { states: ["PENDING", "RUNNING"] }, range.bounds),
  ]);
  const series = range.days.map(() => ({ running: 0, succeeded: 0, failed: 0 }));
  const index = new Map(range.days.map((day, i) => [day, i]));
  for (const report of reports) {
    const counts = series[index.get(report.day) ?? -1];
    if (counts === undefined) continue;
    counts.succeeded += report.succeededCount;
    counts.failed += report.failedCount;
  }
  for (const row of unfinished) {
    const counts = series[row.bucket];
    if (counts !== undefined) counts.running += row.count;
  }
  return series;
}

async function seriesFromRuns(app: AdminContext, groupIds: readonly number[], range: DayRange): Promise<Counts[]> {
  const series = range.days.map(() => ({ running: 0, succeeded: 0, failed: 0 }));
  for (const row of await countRunsByBucket(app.db, { groupIds }, range.bounds)) {
    const counts = series[row.bucket];
    if (counts !== undefined) counts[outcomeOf(row.state)] += row.count;
  }
  return series;
}

function outcomeOf(state: RunState): keyof Counts {
  if (state === "PENDING" || state === "RUNNING") return "running";
  return state === "SUCCEEDED" ? "succeeded" : "failed";
}
