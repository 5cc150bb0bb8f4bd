import { rm } from "node:fs/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { AdminConnections } from "../../src/executor/admin-clients.js";
import { reconnectDelay } from "../../src/executor/backoff.js";
import type { Executor } from "../../src/executor/index.js";
import { ResultReporter } from "../../src/executor/result-reporter.js";
import type { RunResultRecord } from "../../src/executor/run-result.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../src/shared/logger.js";
import { startFakeAdmin, type FakeAdmin } from "./fake-admin.js";
import { ACCESS_TOKEN, APP_NAME, callExecutor, makeLogDir, runRequest, testExecutor } from "./harness.js";
import { startFreezableProxy } from "./freezable-proxy.js";
import { waitFor } from "./wait-for.js";

function result(runId: number): RunResultRecord {
  return { runId, state: "SUCCEEDED", message: `ok ${runId}`, nonRetryable: false, startTime: 1_000, endTime: 2_000 };
}

describe("reconnectDelay()", () => {
  it("grows exponentially, is capped, and is jittered over the upper half of its ceiling", () => {
    expect([0, 1, 2, 3].map((failures) => reconnectDelay(failures, 100, 10_000, () => 1))).toEqual([100, 200, 400, 800]);
    expect([0, 1, 2, 3].map((failures) => reconnectDelay(failures, 100, 10_000, () => 0))).toEqual([50, 100, 200, 400]);
    expect(reconnectDelay(50, 100, 10_000, () => 1)).toBe(10_000);
    expect(reconnectDelay(50, 100, 10_000, () => 0)).toBe(5_000);
    const samples = Array.from({ length: 200 }, () => reconnectDelay(3, 100, 10_000));
    expect(new Set(samples).size).toBeGreaterThan(100);
    expect(samples.every((delay) => delay >= 400 && delay <= 800)).toBe(true);
  });
});

describe("result reporting", () => {
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function admin(options: { port?: number; ackMode?: "ack" | "hold"; reject?: (runId: number) => string | undefined } = {}): Promise<FakeAdmin> {
    const started = await startFakeAdmin({ appName: APP_NAME, accessToken: ACCESS_TOKEN, ...options });
    cleanups.push(() => started.close());
    return started;
  }

  describe("executor", () => {
    it("re-sends a result on a new stream after the admin dropped the old one without acking, until it is acked", async () => {
      const silent = await admin({ ackMode: "hold" });
      const logDir = await makeLogDir();
      const executor: Executor = testExecutor([silent.url], logDir);
      executor.register("echo", (ctx) => `echo ${ctx.param}`);
      await executor.start();
      cleanups.push(async () => {
        await executor.stop();
        await rm(logDir, { recursive: true, force: true });
      });
      const caller = callExecutor(executor.address);
      cleanups.push(() => caller.close());

      const req = runRequest({ jobId: 60n, handler: "echo", param: "survives" });
      await caller.client.run(req);
      await waitFor("the silent admin to receive the result", () => (silent.received.some((r) => r.runId === req.runId) ? true : undefined));
      expect(executor.pendingResults).toBe(1);

      // Kill the admin mid-stream and bring a new one up on the same port, as a restarted admin would be.
      await silent.close();
      const restarted = await admin({ port: silent.port });
      const stored = await waitFor("the restarted admin to store the result", () => restarted.stored.get(Number(req.runId)));
      expect(stored).toMatchObject({ state: RunState.SUCCEEDED, message: "echo survives" });
      await waitFor("the executor to forget the acked result", () => (executor.pendingResults === 0 ? true : undefined));
      expect(restarted.received.filter((r) => r.runId === req.runId)).toHaveLength(1);
    });
  });

  describe("ResultReporter", () => {
    async function reporterFor(urls: string[]): Promise<ResultReporter> {
      const connections = new AdminConnections(urls, { appName: APP_NAME, accessToken: ACCESS_TOKEN });
      const reporter = new ResultReporter(connections.endpoints, { logger: silentLogger, initialBackoffMs: 20, maxBackoffMs: 200 });
      await reporter.start();
      cleanups.push(async () => {
        await reporter.stop();
        connections.close();
      });
      return reporter;
    }

    it("sends results in batches of at most 500 on one stream and resolves flush() once all are acked", async () => {
      const target = await admin();
      const reporter = await reporterFor([target.url]);
      for (let runId = 1; runId <= 1_201; runId += 1) reporter.report(result(runId));
      expect(await reporter.flush(5_000)).toBe(true);
      expect(target.stored.size).toBe(1_201);
      expect(Math.max(...target.batchSizes)).toBeLessThanOrEqual(500);
      expect(target.batchSizes.reduce((a, b) => a + b, 0)).toBe(1_201);
    });

    it("fails over to the next admin when the first does not answer", async () => {
      const second = await admin();
      const reporter = await reporterFor(["http://127.0.0.1:1", second.url]);
      reporter.report(result(5));
      expect(await reporter.flush(5_000)).toBe(true);
      expect(second.stored.has(5)).toBe(true);
    });

    it("forgets a result the admin rejects for good and never re-sends it", async () => {
      const strict = await admin({ reject: (runId) => (runId === 7 ? "run 7 belongs to another executor group" : undefined) });
      const reporter = await reporterFor([strict.url]);
      reporter.report(result(7));
      reporter.report(result(8));
      expect(await reporter.flush(5_000)).toBe(true);
      expect(reporter.isUnacked(7)).toBe(false);
      expect(strict.stored.has(7)).toBe(false);
      expect(strict.received.filter((r) => r.runId === 7n)).toHaveLength(1);
    });

    it("notices a frozen admin through HTTP/2 keepalive pings and re-sends its unacknowledged result to the next admin", async () => {
      const frozenAdmin = await admin();
      const proxy = await startFreezableProxy(frozenAdmin.port);
      cleanups.push(() => proxy.close());
      const backup = await admin();
      const connections = new AdminConnections([proxy.url, backup.url], { appName: APP_NAME, accessToken: ACCESS_TOKEN }, { pingIntervalMs: 200, pingTimeoutMs: 200 });
      // resendAfterMs is far beyond the test's deadline: only the keepalive can get the result through.
      const reporter = new ResultReporter(connections.endpoints, { logger: silentLogger, initialBackoffMs: 20, maxBackoffMs: 200, resendAfterMs: 600_000 });
      await reporter.start();
      cleanups.push(async () => {
        await reporter.stop(50);
        connections.close();
      });
      reporter.report(result(11));
      expect(await reporter.flush(5_000)).toBe(true);
      expect(frozenAdmin.stored.has(11)).toBe(true);

      proxy.freeze();
      reporter.report(result(12));
      expect(await reporter.flush(10_000)).toBe(true);
      expect(backup.stored.has(12)).toBe(true);
      expect(frozenAdmin.received.some((r) => r.runId === 12n)).toBe(false);
    });

    it("keeps results that no admin acknowledged and reports flush() as incomplete", async () => {
      const reporter = await reporterFor(["http://127.0.0.1:1"]);
      reporter.report(result(9));
      expect(await reporter.flush(300)).toBe(false);
      expect(reporter.isUnacked(9)).toBe(true);
    });
  });
});
