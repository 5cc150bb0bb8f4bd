import { Code, ConnectError } from "@connectrpc/connect";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunState } from "../../../src/admin/domain/index.js";
import { insertRun, markRunTriggered, setJobSchedule, upsertRegistryEntry } from "../../../src/admin/persistence/index.js";
import { RunFinisher } from "../../../src/admin/scheduler/run-finisher.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { testDialects } from "../../helpers/databases.js";
import { seededReport, seededRunDraft, startAdminFixture, type AdminFixture, type FixtureClients } from "./run-admin-fixture.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

const idOf = (name: string): number => Number(name.split("/")[1]);
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

type Day = { day: string; running: number; succeeded: number; failed: number };

async function dashboardOf(clients: FixtureClients, startMs: number, endMs: number) {
  const response = await clients.dashboard.getDashboard({ startTime: timestampFromMs(startMs), endTime: timestampFromMs(endMs) });
  return {
    jobs: Number(response.jobCount),
    runningJobs: Number(response.runningJobCount),
    online: Number(response.onlineExecutorCount),
    totals: [Number(response.runningRunCount), Number(response.succeededRunCount), Number(response.failedRunCount)],
    days: response.days.map((d): Day => ({ day: d.day, running: Number(d.runningCount), succeeded: Number(d.succeededCount), failed: Number(d.failedCount) })),
  };
}

for (const dialect of testDialects()) {
  describe(`DashboardService over real sockets on ${dialect}`, () => {
    let fx: AdminFixture;
    let groupA = 0;
    const today = Math.floor(Date.now() / DAY) * DAY;
    const day0 = today - 2 * DAY;
    const day1 = today - DAY;

    beforeAll(async () => {
      fx = await startAdminFixture(dialect, { monitorIntervalMs: 3_600_000, schedulerEnabled: false });
      const a = await fx.clients.groups.createExecutorGroup({ executorGroup: { appName: "dash-a", displayName: "A" } });
      const b = await fx.clients.groups.createExecutorGroup({ executorGroup: { appName: "dash-b", displayName: "B" } });
      groupA = idOf(a.executorGroup?.name ?? "");
      const groupB = idOf(b.executorGroup?.name ?? "");
      const jobIds: number[] = [];
      for (const group of [a, a, b]) {
        const { job } = await fx.clients.jobs.createJob({ job: { executorGroup: group.executorGroup?.name ?? "", displayName: "dash", author: "dash", handler: "h" } });
        jobIds.push(idOf(job?.name ?? ""));
      }
      await setJobSchedule(fx.db, jobIds[0] ?? 0, { state: "RUNNING", nextFireTime: Date.now() + DAY, lastFireTime: 0 }, Date.now());

      // Runs end through the finisher, as in production, so that the daily report is kept as it would be.
      const finisher = new RunFinisher({ db: fx.db, now: () => Date.now(), reportTimeZone: "UTC", logger: silentLogger });
      const seed = async (groupId: number, jobId: number, at: number, state: RunState): Promise<void> => {
        const run = await insertRun(fx.db, seededRunDraft(groupId, jobId, at));
        await markRunTriggered(fx.db, run.id, { triggerState: "ACCEPTED", executorAddress: "", triggerReport: seededReport(""), state: "RUNNING", deadlineTime: 0 }, at);
        if (state !== "RUNNING") await finisher.finishOne(run, { state, message: "", retryable: false });
      };
      const [jobA1, jobA2, jobB] = [jobIds[0] ?? 0, jobIds[1] ?? 0, jobIds[2] ?? 0];
      await seed(groupA, jobA1, day0 + HOUR, "SUCCEEDED");
      await seed(groupA, jobA2, day0 + 2 * HOUR, "SUCCEEDED");
      await seed(groupA, jobA1, day0 + 23 * HOUR, "FAILED");
      await seed(groupA, jobA1, day1 + HOUR, "RUNNING");
      await seed(groupA, jobA2, day1 + 2 * HOUR, "TIMED_OUT");
      await seed(groupB, jobB, day0 + 3 * HOUR, "SUCCEEDED");
      await seed(groupB, jobB, day0 + 4 * HOUR, "KILLED");
      await seed(groupB, jobB, day1, "SUCCEEDED");
      await seed(groupA, jobA1, day0 - 20 * DAY, "SUCCEEDED");

      const beat = { handlerNames: ["h"], sdkVersion: "test", runningRunIds: [], queueDepths: {} };
      await upsertRegistryEntry(fx.db, { ...beat, appName: "dash-a", address: "http://10.0.0.1:9999" }, Date.now());
      await upsertRegistryEntry(fx.db, { ...beat, appName: "dash-a", address: "http://10.0.0.2:9999" }, Date.now());
      await upsertRegistryEntry(fx.db, { ...beat, appName: "dash-b", address: "http://10.0.0.2:9999" }, Date.now());
      // Dead: its last beat is far beyond the dead timeout.
      await upsertRegistryEntry(fx.db, { ...beat, appName: "dash-b", address: "http://10.0.0.3:9999" }, Date.now() - HOUR);
    });

    afterAll(async () => {
      await fx?.stop();
    });

    it("gives an administrator the counts of every group and the daily series of the range", async () => {
      const dash = await dashboardOf(fx.clients, day0 + 5 * HOUR, today + HOUR);
      expect(dash.jobs).toBe(3);
      expect(dash.runningJobs).toBe(1);
      expect(dash.online).toBe(2);
      expect(dash.days).toEqual([
        { day: isoDay(day0), running: 0, succeeded: 3, failed: 2 },
        { day: isoDay(day1), running: 1, succeeded: 1, failed: 1 },
        { day: isoDay(today), running: 0, succeeded: 0, failed: 0 },
      ]);
      expect(dash.totals).toEqual([1, 4, 3]);
    });

    it("gives a normal user only the permitted groups' jobs, executors and runs", async () => {
      const user = await fx.normalUser([groupA]);
      const dash = await dashboardOf(user, day0, day1 + DAY);
      expect(dash.jobs).toBe(2);
      expect(dash.runningJobs).toBe(1);
      expect(dash.online).toBe(2);
      expect(dash.days).toEqual([
        { day: isoDay(day0), running: 0, succeeded: 2, failed: 1 },
        { day: isoDay(day1), running: 1, succeeded: 0, failed: 1 },
      ]);
      expect(dash.totals).toEqual([1, 2, 2]);
      const nothing = await dashboardOf(await fx.normalUser([]), day0, day1 + DAY);
      expect(nothing).toMatchObject({ jobs: 0, runningJobs: 0, online: 0, totals: [0, 0, 0] });
    });

    it("defaults to the last seven days and refuses an empty or over-long range naming end_time", async () => {
      const response = await fx.clients.dashboard.getDashboard({});
      expect(response.days.length).toBeGreaterThanOrEqual(7);
      expect(response.days.length).toBeLessThanOrEqual(8);
      const invalid = (e: unknown): boolean => ConnectError.from(e).code === Code.InvalidArgument && ConnectError.from(e).rawMessage.startsWith("end_time:");
      await expect(fx.clients.dashboard.getDashboard({ startTime: timestampFromMs(day1), endTime: timestampFromMs(day0) })).rejects.toSatisfy(invalid);
      await expect(fx.clients.dashboard.getDashboard({ startTime: timestampFromMs(day0 - 400 * DAY), endTime: timestampFromMs(day0) })).rejects.toSatisfy(invalid);
    });
  });
}
