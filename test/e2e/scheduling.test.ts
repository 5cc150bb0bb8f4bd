import { Code, ConnectError } from "@connectrpc/connect";
import { durationFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdmin, type Admin } from "../../src/admin/index.js";
import { DIALECT_NAMES } from "../../src/admin/persistence/index.js";
import { createExecutor, type Executor } from "../../src/executor/index.js";
import { RetryBackoff, ScheduleType } from "../../src/gen/jobwire/v1/job_pb.js";
import { RunState, TriggerType, type Run } from "../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../src/shared/logger.js";
import { loginAs, type ConsoleClients } from "../helpers/console-client.js";
import { createTestDatabase, isDialectConfigured, type TestDatabase } from "../helpers/databases.js";
import { waitFor } from "../helpers/wait-for.js";

const PASSWORD = "scheduling-e2e-password";

for (const dialect of DIALECT_NAMES) {
  describe.skipIf(!isDialectConfigured(dialect))(`scheduling end to end (${dialect})`, () => {
    let database: TestDatabase;
    let admin: Admin;
    let executor: Executor;
    let clients: ConsoleClients;
    let groupName: string;
    let logDir: string;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      admin = await startAdmin({ databaseUrl: database.url, host: "127.0.0.1", port: 0, initialAdminPassword: PASSWORD, scanIntervalMs: 200, monitorIntervalMs: 200, logger: silentLogger });
      clients = await loginAs(admin.url, "admin", PASSWORD);
      const created = await clients.groups.createExecutorGroup({ executorGroup: { appName: "billing", displayName: "Billing" } });
      groupName = created.executorGroup?.name ?? "";
      logDir = await mkdtemp(path.join(tmpdir(), "jobwire-sched-"));
      executor = createExecutor({ adminAddresses: [admin.url], appName: "billing", accessToken: created.accessToken, host: "127.0.0.1", port: 0, logDir, logger: silentLogger });
      executor.register("ok", () => "fine");
      executor.register("broken", () => {
        throw new Error("always broken");
      });
      await executor.start();
      await waitFor("the executor to register", async () => ((await clients.groups.getExecutorGroup({ name: groupName })).executorGroup?.addresses.length ?? 0) > 0 || undefined);
    });
    afterAll(async () => {
      await executor?.stop();
      await admin?.stop(100);
      await database?.drop();
      if (logDir !== undefined) await rm(logDir, { recursive: true, force: true });
    });

    const runsOf = async (job: string): Promise<Run[]> => (await clients.runs.listRuns({ job, pageSize: 100 })).runs;

    it("fires a started FIX_RATE job on its own, once a second, on the grid", async () => {
      const { job } = await clients.jobs.createJob({
        job: { executorGroup: groupName, displayName: "Every second", author: "e2e", handler: "ok", schedule: { type: ScheduleType.FIX_RATE, interval: durationFromMs(1_000) } },
      });
      const name = job?.name ?? "";
      await clients.jobs.startJob({ name });
      const runs = await waitFor("three succeeded runs", async () => {
        const done = (await runsOf(name)).filter((r) => r.state === RunState.SUCCEEDED);
        return done.length >= 3 ? done : undefined;
      }, 20_000, 100);
      await clients.jobs.stopJob({ name });
      const instants = runs.map((r) => (r.scheduledTime === undefined ? 0 : timestampMs(r.scheduledTime))).sort((a, b) => a - b);
      expect(runs.every((r) => r.triggerType === TriggerType.SCHEDULE && r.handleMessage === "fine")).toBe(true);
      // One second apart: the phase is kept from the first planned instant.
      for (let i = 1; i < instants.length; i++) expect((instants[i] ?? 0) - (instants[i - 1] ?? 0)).toBe(1_000);
    });

    it("fires a child job after its parent succeeded", async () => {
      const child = (await clients.jobs.createJob({ job: { executorGroup: groupName, displayName: "Child", author: "e2e", handler: "ok" } })).job?.name ?? "";
      const parent = (await clients.jobs.createJob({ job: { executorGroup: groupName, displayName: "Parent", author: "e2e", handler: "ok", childJobs: [child] } })).job?.name ?? "";
      await clients.jobs.triggerJob({ name: parent });
      const [childRun] = await waitFor("the child run to succeed", async () => {
        const runs = (await runsOf(child)).filter((r) => r.state === RunState.SUCCEEDED);
        return runs.length > 0 ? runs : undefined;
      }, 20_000, 100);
      expect(childRun?.triggerType).toBe(TriggerType.PARENT);
      const [parentRun] = await runsOf(parent);
      expect(childRun?.originRun).toBe(parentRun?.name);
    });

    it("refuses a child link that would close a cycle, naming the field", async () => {
      const a = (await clients.jobs.createJob({ job: { executorGroup: groupName, displayName: "A", author: "e2e", handler: "ok" } })).job;
      const b = (await clients.jobs.createJob({ job: { executorGroup: groupName, displayName: "B", author: "e2e", handler: "ok", childJobs: [a?.name ?? ""] } })).job;
      const closing = clients.jobs.updateJob({ job: { name: a?.name ?? "", childJobs: [b?.name ?? ""] }, updateMask: { paths: ["child_jobs"] } });
      const error = await closing.then(() => undefined, (e: unknown) => ConnectError.from(e));
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.rawMessage).toMatch(/child_jobs.*cycle/);
    });

    it("retries a failing run as configured, then stops with the last failure", async () => {
      const { job } = await clients.jobs.createJob({
        job: {
          executorGroup: groupName,
          displayName: "Flaky",
          author: "e2e",
          handler: "broken",
          retryPolicy: { maxRetries: 2, backoff: RetryBackoff.FIXED, initialInterval: durationFromMs(100) },
        },
      });
      const name = job?.name ?? "";
      await clients.jobs.triggerJob({ name });
      const runs = await waitFor("three failed attempts", async () => {
        const failed = (await runsOf(name)).filter((r) => r.state === RunState.FAILED);
        return failed.length >= 3 ? failed : undefined;
      }, 20_000, 100);
      expect(runs.map((r) => r.triggerType).sort()).toEqual([TriggerType.MANUAL, TriggerType.RETRY, TriggerType.RETRY].sort());
      expect(runs.every((r) => r.handleMessage.includes("always broken"))).toBe(true);
      // No fourth attempt follows.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await runsOf(name)).toHaveLength(3);
    });

    it("moves a running job to its new schedule when the schedule is updated", async () => {
      const created = (await clients.jobs.createJob({ job: { executorGroup: groupName, displayName: "Hourly", author: "e2e", handler: "ok", schedule: { type: ScheduleType.CRON, cron: "0 0 * * * ?" } } })).job;
      const started = (await clients.jobs.startJob({ name: created?.name ?? "" })).job;
      expect(started?.nextFireTime === undefined ? 0 : timestampMs(started.nextFireTime) % 3_600_000).toBe(0);
      const updated = (await clients.jobs.updateJob({ job: { name: created?.name ?? "", schedule: { type: ScheduleType.CRON, cron: "0 0 0 1 1 ? 2099" } }, updateMask: { paths: ["schedule"] } })).job;
      expect(updated?.nextFireTime === undefined ? 0 : timestampMs(updated.nextFireTime)).toBe(Date.UTC(2099, 0, 1) - offsetOf(Date.UTC(2099, 0, 1)));
      await clients.jobs.stopJob({ name: created?.name ?? "" });
    });
  });
}

/** Offset of the admin's default zone (the system zone) at an instant, in ms, to compute local midnight. */
function offsetOf(instant: number): number {
  const local = new Date(instant);
  return -local.getTimezoneOffset() * 60_000;
}
