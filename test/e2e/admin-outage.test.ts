import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startAdmin, type Admin, type AdminOptions } from "../../src/admin/index.js";
import { DIALECT_NAMES, listDailyReports } from "../../src/admin/persistence/index.js";
import { createExecutor, type Executor } from "../../src/executor/index.js";
import { BlockStrategy } from "../../src/gen/jobwire/v1/job_pb.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../src/shared/logger.js";
import { loginAs } from "../helpers/console-client.js";
import { createTestDatabase, isDialectConfigured, type TestDatabase } from "../helpers/databases.js";
import { waitFor } from "../helpers/wait-for.js";

const PASSWORD = "admin-outage-password";
const RUNS = 100;

/** A free TCP port, so that the admin can come back on the address the executor knows. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

for (const dialect of DIALECT_NAMES) {
  describe.skipIf(!isDialectConfigured(dialect))(`results across an admin outage (${dialect})`, () => {
    let admin: Admin | undefined;
    let executor: Executor | undefined;
    let testDb: TestDatabase | undefined;
    let logDir: string | undefined;
    afterEach(async () => {
      await executor?.stop();
      await admin?.stop(0);
      await testDb?.drop();
      if (logDir !== undefined) await rm(logDir, { recursive: true, force: true });
    });

    it(`delivers the results of ${RUNS} runs that finished while the admin was down, each exactly once`, async () => {
      testDb = await createTestDatabase(dialect);
      logDir = await mkdtemp(path.join(tmpdir(), "jobwire-outage-"));
      const options: AdminOptions = { databaseUrl: testDb.url, host: "127.0.0.1", port: await freePort(), initialAdminPassword: PASSWORD, logger: silentLogger };
      admin = await startAdmin(options);
      const console = await loginAs(admin.url, "admin", PASSWORD);
      const created = await console.groups.createExecutorGroup({ executorGroup: { appName: "outage", displayName: "Outage" } });
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      executor = createExecutor({ adminAddresses: [admin.url], appName: "outage", accessToken: created.accessToken, host: "127.0.0.1", port: 0, logDir, logger: silentLogger });
      executor.register("gated", async () => {
        await gate;
        return "done after the gate";
      });
      await executor.start();
      await waitFor("the executor to register", async () => ((await console.groups.getExecutorGroup({ name: created.executorGroup?.name ?? "" })).executorGroup?.addresses.length ?? 0) > 0 || undefined);
      const { job } = await console.jobs.createJob({
        job: { executorGroup: created.executorGroup?.name ?? "", displayName: "Gated", author: "e2e", handler: "gated", blockStrategy: BlockStrategy.CONCURRENT, concurrency: RUNS },
      });
      const runNames: string[] = [];
      for (let i = 0; i < RUNS; i++) runNames.push(...(await console.jobs.triggerJob({ name: job?.name ?? "" })).runs);
      expect(runNames).toHaveLength(RUNS);

      // The admin goes away; then every handler finishes, so every result has to wait for it.
      await admin.stop(0);
      admin = undefined;
      release();
      await waitFor("the results to be spooled", async () => {
        const { readdir } = await import("node:fs/promises");
        const files = await readdir(path.join(logDir ?? "", "callback-spool")).catch(() => []);
        return files.length > 0 || undefined;
      }, 20_000, 50);

      admin = await startAdmin(options);
      const back = await loginAs(admin.url, "admin", PASSWORD);
      await waitFor("every run to succeed", async () => {
        const { runs } = await back.runs.listRuns({ job: job?.name ?? "", pageSize: RUNS + 10 });
        return runs.length === RUNS && runs.every((r) => r.state === RunState.SUCCEEDED && r.handleMessage === "done after the gate") || undefined;
      }, 60_000, 100);
      // Applied exactly once: the daily report counts a run only when its result actually finished it.
      const reports = await listDailyReports(testDb.database.db, "2000-01-01", "2999-12-31");
      expect(reports.reduce((sum, r) => sum + r.succeededCount, 0)).toBe(RUNS);
    }, 120_000);
  });
}
