import { Code, ConnectError } from "@connectrpc/connect";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Executor } from "../../src/executor/executor.js";
import { ResultSpool } from "../../src/executor/result-spool.js";
import type { RunResultRecord } from "../../src/executor/run-result.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../src/shared/logger.js";
import { startFakeAdmin, type FakeAdmin } from "./fake-admin.js";
import { ACCESS_TOKEN, APP_NAME, callExecutor, makeLogDir, runRequest, testExecutor } from "./harness.js";
import { waitFor } from "./wait-for.js";

function record(runId: number): RunResultRecord {
  return { runId, state: "FAILED", message: `failed ${runId}`, nonRetryable: runId % 2 === 0, startTime: runId % 3 === 0 ? undefined : 1_000, endTime: 2_000 };
}

/** Run ids of the results held by the batch files of a spool folder. */
async function spooledRunIds(dir: string): Promise<number[]> {
  const ids: number[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(".json"))) {
    const { results } = JSON.parse(await readFile(path.join(dir, name), "utf8")) as { results: { runId: number }[] };
    ids.push(...results.map((r) => r.runId));
  }
  return ids.sort((a, b) => a - b);
}

/** A port nothing listens on (it was free a moment ago), for an admin that is down and comes back later. */
async function downAdminPort(): Promise<number> {
  const placeholder = await startFakeAdmin({ appName: APP_NAME, accessToken: ACCESS_TOKEN });
  await placeholder.close();
  return placeholder.port;
}

describe("result spool", () => {
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function logDir(): Promise<string> {
    const dir = await makeLogDir();
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  describe("ResultSpool", () => {
    it("writes a batch durably as one file, keeps it while any result in it is unacknowledged, and deletes it after", async () => {
      const dir = await logDir();
      const spool = new ResultSpool(dir, silentLogger);
      await spool.write([record(1), record(2), record(3)]);
      expect(await spooledRunIds(spool.directory)).toEqual([1, 2, 3]);
      spool.forget([1, 3]);
      await spool.idle();
      expect(await spooledRunIds(spool.directory)).toEqual([1, 2, 3]);
      spool.forget([2]);
      await spool.idle();
      expect(await readdir(spool.directory)).toEqual([]);
    });

    it("loads every batch back in a new instance, exactly as written", async () => {
      const dir = await logDir();
      const first = new ResultSpool(dir, silentLogger);
      await first.write([record(1), record(2)]);
      await first.write([record(3)]);
      const second = new ResultSpool(dir, silentLogger);
      expect((await second.load()).sort((a, b) => a.runId - b.runId)).toEqual([record(1), record(2), record(3)]);
      expect([1, 2, 3].map((id) => second.isSpooled(id))).toEqual([true, true, true]);
    });

    it("never writes a batch whose results were all acknowledged before its turn came", async () => {
      const dir = await logDir();
      const spool = new ResultSpool(dir, silentLogger);
      const written = spool.write([record(4)]);
      spool.forget([4]);
      await written;
      await spool.idle();
      expect(await readdir(spool.directory).catch(() => [])).toEqual([]);
    });

    it("keeps an unreadable file as *.corrupt and drops unfinished temporary files at load", async () => {
      const dir = await logDir();
      const folder = path.join(dir, "callback-spool");
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, "results-1-1-1.json"), "{ not json");
      await writeFile(path.join(folder, "results-2-1-1.json.tmp"), "half");
      const spool = new ResultSpool(dir, silentLogger);
      expect(await spool.load()).toEqual([]);
      expect(await readdir(folder)).toEqual(["results-1-1-1.json.corrupt"]);
    });
  });

  describe("executor with the admin down", () => {
    async function executorOn(dir: string, adminUrl: string): Promise<Executor> {
      const executor = testExecutor([adminUrl], dir, {}, { flushTimeoutMs: 200, reporter: { spoolAfterMs: 50 } });
      executor.register("echo", (ctx) => `echo ${ctx.param}`);
      await executor.start();
      cleanups.push(() => executor.stop());
      return executor;
    }

    async function run100(executor: Executor): Promise<bigint[]> {
      const caller = callExecutor(executor.address);
      try {
        const reqs = Array.from({ length: 100 }, (_, i) => runRequest({ jobId: BigInt(300 + (i % 10)), handler: "echo", param: `r${i}` }));
        for (const req of reqs) await caller.client.run(req);
        return reqs.map((req) => req.runId);
      } finally {
        caller.close();
      }
    }

    async function adminOn(port: number): Promise<FakeAdmin> {
      const admin = await startFakeAdmin({ appName: APP_NAME, accessToken: ACCESS_TOKEN, port });
      cleanups.push(() => admin.close());
      return admin;
    }

    function expectDeliveredOnce(admin: FakeAdmin, runIds: readonly bigint[]): void {
      const counts = new Map<bigint, number>();
      for (const result of admin.received) counts.set(result.runId, (counts.get(result.runId) ?? 0) + 1);
      expect(counts.size).toBe(runIds.length);
      expect(runIds.every((id) => counts.get(id) === 1)).toBe(true);
      expect([...admin.stored.values()].every((result) => result.state === RunState.SUCCEEDED)).toBe(true);
    }

    it("spools the results of 100 runs to disk and delivers each exactly once when the admin comes back", async () => {
      const dir = await logDir();
      const port = await downAdminPort();
      const executor = await executorOn(dir, `http://127.0.0.1:${port}`);
      const runIds = await run100(executor);
      const spoolDir = path.join(dir, "callback-spool");
      await waitFor("all 100 results to be on disk", async () => ((await spooledRunIds(spoolDir)).length === 100 ? true : undefined));
      expect(await spooledRunIds(spoolDir)).toEqual(runIds.map(Number).sort((a, b) => a - b));
      expect(executor.pendingResults).toBe(100);

      const admin = await adminOn(port);
      await waitFor("the returning admin to store 100 results", () => (admin.stored.size === 100 ? true : undefined), 20_000);
      await waitFor("the executor to forget the acked results", () => (executor.pendingResults === 0 ? true : undefined));
      await waitFor("the spool files to be deleted", async () => ((await readdir(spoolDir)).length === 0 ? true : undefined));
      expectDeliveredOnce(admin, runIds);
    });

    it("replays the spool of a stopped executor from a new one on the same logDir, exactly once, and keeps refusing those run ids", async () => {
      const dir = await logDir();
      const port = await downAdminPort();
      const url = `http://127.0.0.1:${port}`;
      const first = await executorOn(dir, url);
      const runIds = await run100(first);
      await waitFor("the 100 results to be reported", () => (first.pendingResults === 100 ? true : undefined));
      await first.stop();
      const spoolDir = path.join(dir, "callback-spool");
      expect(await spooledRunIds(spoolDir)).toEqual(runIds.map(Number).sort((a, b) => a - b));

      const second = await executorOn(dir, url);
      expect(second.pendingResults).toBe(100);
      const caller = callExecutor(second.address);
      cleanups.push(() => caller.close());
      const replayed = runRequest({ jobId: 300n, handler: "echo", runId: runIds[0] ?? 0n });
      const refusal = await caller.client.run(replayed).catch((e: unknown) => ConnectError.from(e));
      expect(refusal).toMatchObject({ code: Code.AlreadyExists, rawMessage: expect.stringContaining("already finished on this executor") as unknown });

      const admin = await adminOn(port);
      await waitFor("the returning admin to store 100 results", () => (admin.stored.size === 100 ? true : undefined), 20_000);
      await waitFor("the spool files to be deleted", async () => ((await readdir(spoolDir)).length === 0 ? true : undefined));
      expectDeliveredOnce(admin, runIds);
    });

    it("never touches the disk while the admin acknowledges promptly", async () => {
      const dir = await logDir();
      const admin = await startFakeAdmin({ appName: APP_NAME, accessToken: ACCESS_TOKEN });
      cleanups.push(() => admin.close());
      const executor = testExecutor([admin.url], dir, {}, { reporter: { spoolAfterMs: 5_000 } });
      executor.register("echo", (ctx) => `echo ${ctx.param}`);
      await executor.start();
      cleanups.push(() => executor.stop());
      const runIds = await run100(executor);
      await waitFor("100 results stored", () => (admin.stored.size === 100 ? true : undefined));
      expect(runIds).toHaveLength(100);
      expect(await readdir(path.join(dir, "callback-spool"))).toEqual([]);
    });
  });
});
