import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startAdmin, type Admin } from "../../src/admin/index.js";
import { DIALECT_NAMES, getGroupByAppName, insertJob } from "../../src/admin/persistence/index.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../src/shared/logger.js";
import { newJob } from "../admin/persistence/fixtures.js";
import { loginAs } from "../helpers/console-client.js";
import { createTestDatabase, isDialectConfigured, type TestDatabase } from "../helpers/databases.js";
import { waitFor } from "../helpers/wait-for.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const EXECUTOR = path.join(import.meta.dirname, "fixtures/executor-process.ts");
const BEAT_MS = 500;
const PASSWORD = "lost-executor-test";

for (const dialect of DIALECT_NAMES) {
  describe.skipIf(!isDialectConfigured(dialect))(`an executor killed mid-run (${dialect})`, () => {
    let admin: Admin | undefined;
    let executor: ChildProcess | undefined;
    let testDb: TestDatabase | undefined;
    let logDir: string | undefined;
    afterEach(async () => {
      if (executor !== undefined && executor.exitCode === null && executor.signalCode === null) executor.kill("SIGKILL");
      await admin?.stop(0);
      await testDb?.drop();
      if (logDir !== undefined) await rm(logDir, { recursive: true, force: true });
    });

    it("is noticed by the admin within two beats: its run becomes LOST", async () => {
      testDb = await createTestDatabase(dialect);
      logDir = await mkdtemp(path.join(tmpdir(), "jobwire-lost-"));
      admin = await startAdmin({
        databaseUrl: testDb.url,
        host: "127.0.0.1",
        port: 0,
        initialAdminPassword: PASSWORD,
        beatIntervalMs: BEAT_MS,
        deadTimeoutMs: BEAT_MS * 3,
        triggerTimeoutMs: 2_000,
        monitorIntervalMs: 100,
        logger: silentLogger,
      });
      const { accessToken } = await admin.ensureExecutorGroup("lost-app", "Lost app");
      const group = await getGroupByAppName(testDb.database.db, "lost-app");
      if (group === undefined) throw new Error("group missing");
      const job = await insertJob(
        testDb.database.db,
        newJob(group.id, { scheduleType: "NONE", scheduleConf: "", handler: "sleepy", routeStrategy: "FIRST", timeoutSeconds: 0, retry: { count: 0, backoff: "FIXED", intervalMs: 0, maxIntervalMs: 0 } }),
        Date.now(),
      );

      let output = "";
      executor = spawn(process.execPath, ["--import", "tsx", EXECUTOR], {
        cwd: ROOT,
        env: { ...process.env, ADMIN_URL: admin.url, APP_NAME: "lost-app", ACCESS_TOKEN: accessToken, LOG_DIR: logDir, REGISTRY_INTERVAL_MS: String(BEAT_MS) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      executor.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      executor.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      await waitFor("executor registered", () => output.includes("executor ready") || undefined, 60_000, 50);

      const console = await loginAs(admin.url, "admin", PASSWORD);
      const { runs } = await console.jobs.triggerJob({ name: `jobs/${job.id}` });
      const runName = runs[0];
      if (runName === undefined) throw new Error("no run");
      await waitFor("run started", () => output.includes("run started") || undefined, 20_000, 20);
      expect((await console.runs.getRun({ name: runName })).run?.state).toBe(RunState.RUNNING);

      executor.kill("SIGKILL");
      const killedAt = Date.now();
      const lost = await waitFor(
        "run lost",
        async () => {
          const { run } = await console.runs.getRun({ name: runName });
          return run?.state === RunState.LOST ? run : undefined;
        },
        20_000,
        50,
      );
      // Two beat intervals plus the trigger deadline and one monitor interval, with margin for a loaded machine.
      expect(Date.now() - killedAt).toBeLessThan(BEAT_MS * 2 + 2_000 + 5_000);
      expect(lost.handleMessage).toMatch(/^lost: executor .* stopped beating/);
    }, 120_000);
  });
}
