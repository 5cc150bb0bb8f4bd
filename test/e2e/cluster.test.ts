import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertGroup, insertJob, listRuns, setJobSchedule } from "../../src/admin/persistence/index.js";
import { newGroup, newJob } from "../admin/persistence/fixtures.js";
import { createTestDatabase, isDialectConfigured, type TestDatabase } from "../helpers/databases.js";
import { startFakeExecutor, type FakeExecutor } from "../helpers/fake-executor.js";
import { waitFor } from "../helpers/wait-for.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MAIN = path.join(ROOT, "src/cli/main.ts");
const JOBS = 200;
const RUN_FOR_MS = 20_000;
/** Instants this close to the end may still be in flight (pre-read window plus takeover); they are not counted. */
const SETTLE_MS = 6_000;
/** How long the check waits for a cluster that fell behind (a loaded machine) before it calls an instant missing. */
const CATCH_UP_MS = 60_000;

interface AdminProcess {
  readonly child: ChildProcess;
  output(): string;
}

/** One admin as its own OS process (node with the tsx loader, no wrapper process), so SIGKILL kills it for real. */
function startAdminProcess(databaseUrl: string, nodeId: string): AdminProcess {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "admin", "--port", "0", "--host", "127.0.0.1", "--node-id", nodeId], {
    cwd: ROOT,
    env: { ...process.env, JOBWIRE_DATABASE_URL: databaseUrl, JOBWIRE_ADMIN_PASSWORD: "cluster-test-password" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function stopAll(admins: readonly AdminProcess[]): Promise<void> {
  await Promise.all(
    admins.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }),
  );
}

for (const dialect of ["mysql", "postgres"] as const) {
  describe.skipIf(!isDialectConfigured(dialect))(`a cluster of three admins on ${dialect}`, () => {
    let executor: FakeExecutor;
    beforeAll(async () => {
      executor = await startFakeExecutor();
    });
    afterAll(async () => {
      await executor.stop();
    });

    for (const killOne of [false, true]) {
      it(
        killOne
          ? `fires ${JOBS} one-second jobs exactly once, none missing, when one admin is SIGKILLed mid-run`
          : `fires ${JOBS} one-second jobs for ${RUN_FOR_MS / 1000} s: every (job, instant) exactly once, none missing`,
        async () => {
          let testDb: TestDatabase | undefined;
          const admins: AdminProcess[] = [];
          try {
            testDb = await createTestDatabase(dialect);
            const db = testDb.database.db;
            const group = await insertGroup(db, newGroup({ addressType: "MANUAL", manualAddresses: [executor.url] }), Date.now());
            const jobIds: number[] = [];
            for (let i = 0; i < JOBS; i++) {
              const job = await insertJob(db, newJob(group.id, {
                  name: `tick ${i}`,
                  scheduleType: "FIX_RATE",
                  scheduleConf: "1",
                  routeStrategy: "FIRST",
                  timeoutSeconds: 0,
                  alarm: { emails: [], webhookUrls: [] },
                  retry: { count: 0, backoff: "FIXED", intervalMs: 0, maxIntervalMs: 0 },
                }), Date.now());
              jobIds.push(job.id);
            }
            for (let i = 0; i < 3; i++) admins.push(startAdminProcess(testDb.url, `${dialect}-admin-${i}`));
            await waitFor("three admins listening", () => admins.every((a) => a.output().includes("listening")) || undefined, 60_000, 100);
            // Every job starts on the same whole second, a little ahead so that all admins are planning by then.
            const start = Math.ceil(Date.now() / 1000) * 1000 + 2_000;
            for (const id of jobIds) await setJobSchedule(db, id, { state: "RUNNING", nextFireTime: start, lastFireTime: 0 }, Date.now());

            if (killOne) {
              await new Promise((resolve) => setTimeout(resolve, start + RUN_FOR_MS / 2 - Date.now()));
              admins[0]?.child.kill("SIGKILL");
            }
            await new Promise((resolve) => setTimeout(resolve, start + RUN_FOR_MS - Date.now()));
            const last = start + RUN_FOR_MS - SETTLE_MS;
            const expected = Array.from({ length: (last - start) / 1000 + 1 }, (_, k) => start + k * 1000);

            // Lateness is the benchmarks' business, not this test's: on a loaded machine the cluster may fall
            // behind, so wait (bounded) until every instant up to `last` has a run, then check exactly-once.
            const runsUpToLast = async (): Promise<number> => {
              let count = 0;
              for (const id of jobIds) count += (await listRuns(db, { jobId: id }, { limit: 1_000 })).items.filter((r) => r.scheduledTime <= last).length;
              return count;
            };
            const caughtUpBy = Date.now() + CATCH_UP_MS;
            while ((await runsUpToLast()) < JOBS * expected.length && Date.now() < caughtUpBy) {
              await new Promise((resolve) => setTimeout(resolve, 1_000));
            }

            const problems: string[] = [];
            let total = 0;
            for (const id of jobIds) {
              const page = await listRuns(db, { jobId: id }, { limit: 1_000 });
              const instants = page.items.map((r) => r.scheduledTime).filter((t) => t <= last).sort((a, b) => a - b);
              total += instants.length;
              const missing = expected.filter((t) => !instants.includes(t));
              const doubled = instants.filter((t, i) => instants[i - 1] === t);
              if (missing.length > 0 || doubled.length > 0) {
                const seen = page.items.map((r) => `${(r.scheduledTime - start) / 1000}s/${r.triggerType}/+${r.triggerTime - r.scheduledTime}ms`).reverse();
                problems.push(`job ${id}: missing ${missing.map((t) => (t - start) / 1000).join(",")}s, doubled ${doubled.length}; runs ${seen.join(" ")}`);
              }
            }
            if (problems.length > 0) {
              // Warnings and errors of each admin, to tell a stalled database from a stalled process.
              const notable = (out: string): string => {
                const lines = out.split("\n");
                const takeovers = lines.filter((line) => line.includes("took over planned fires")).length;
                return [`${takeovers} takeover rounds`, ...lines.filter((line) => / (WARN|ERROR) /.test(line)).slice(-20)].join("\n");
              };
              problems.push(...admins.map((a, i) => `admin ${i}:\n${notable(a.output())}`));
            }
            expect(problems).toEqual([]);
            expect(total).toBe(JOBS * expected.length);
            if (killOne) expect(admins[0]?.child.signalCode).toBe("SIGKILL");
          } finally {
            await stopAll(admins);
            await testDb?.drop();
          }
        },
        240_000,
      );
    }
  });
}
