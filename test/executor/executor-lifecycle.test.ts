import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Executor } from "../../src/executor/index.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { startFakeAdmin, type FakeAdmin } from "./fake-admin.js";
import { ACCESS_TOKEN, APP_NAME, callExecutor, makeLogDir, runRequest, testExecutor } from "./harness.js";
import { startExecutorFixture, type ExecutorFixture } from "./test-handlers.js";
import { waitFor } from "./wait-for.js";

describe("executor lifecycle", () => {
  describe("start()", () => {
    let fx: ExecutorFixture;

    beforeAll(async () => {
      fx = await startExecutorFixture();
    });

    afterAll(async () => {
      await fx?.close();
    });

    it("registers with the first admin that answers, naming its handlers, address and SDK version", () => {
      expect(fx.executor.state).toBe("RUNNING");
      const first = fx.admin.registrations[0];
      expect(first).toMatchObject({ appName: APP_NAME, address: fx.executor.address, sdkVersion: expect.stringMatching(/^jobwire-node\//) as unknown });
      expect(first?.handlerNames).toEqual(["blocking", "boom", "chatty", "echo", "refuse"]);
      expect(fx.executor.address).toBe(`http://127.0.0.1:${fx.executor.port}`);
    });

    it("repeats the registration every registryIntervalMs with running run ids and queue depths", async () => {
      const reqs = [1, 2].map((i) => runRequest({ jobId: 40n, handler: "blocking", param: `beat-${i}` }));
      for (const req of reqs) await fx.caller.client.run(req);
      const beat = await waitFor("a beat that reports the runs", () => fx.admin.registrations.find((r) => r.runningRunIds.length === 2));
      expect([...beat.runningRunIds].sort()).toEqual(reqs.map((req) => req.runId).sort());
      expect(beat.queueDepths.map((d) => ({ jobId: d.jobId, queued: d.queued, running: d.running }))).toEqual([{ jobId: 40n, queued: 1, running: 1 }]);
      fx.handlers.release("beat-1");
      fx.handlers.release("beat-2");
      await waitFor("both runs to be stored", () => (reqs.every((req) => fx.admin.stored.has(Number(req.runId))) ? true : undefined));
    });

    it("announces a handler registered after start at the next beat", async () => {
      fx.executor.register("lateHandler", () => "late");
      await waitFor("a beat naming lateHandler", () => fx.admin.registrations.find((r) => r.handlerNames.includes("lateHandler")));
    });

    it("refuses a second handler with the same name and a second start()", async () => {
      expect(() => fx.executor.register("echo", () => "again")).toThrow(/already registered/);
      await expect(fx.executor.start()).rejects.toThrow(/start\(\) can be called once/);
    });
  });

  describe("start() without any admin", () => {
    it("starts, keeps serving and stops promptly when no admin answers", async () => {
      const logDir = await makeLogDir();
      const executor = testExecutor(["http://127.0.0.1:1"], logDir);
      executor.register("echo", () => "ok");
      try {
        await executor.start();
        expect(executor.state).toBe("RUNNING");
        const caller = callExecutor(executor.address);
        expect((await caller.client.beat({})).sdkVersion).toMatch(/jobwire-node/);
        caller.close();
      } finally {
        const before = Date.now();
        await executor.stop();
        expect(Date.now() - before).toBeLessThan(5_000);
        await rm(logDir, { recursive: true, force: true });
      }
    });
  });

  describe("start() on a taken port", () => {
    it("rejects with the address and the reason, and leaves the executor STOPPED", async () => {
      const holder = await startFakeAdmin({ appName: APP_NAME, accessToken: ACCESS_TOKEN });
      const logDir = await makeLogDir();
      const executor = testExecutor([holder.url], logDir, { port: holder.port });
      try {
        await expect(executor.start()).rejects.toThrow(new RegExp(`could not start on 127\\.0\\.0\\.1:${holder.port}: .*EADDRINUSE`));
        expect(executor.state).toBe("STOPPED");
      } finally {
        await executor.stop();
        await holder.close();
        await rm(logDir, { recursive: true, force: true });
      }
    });
  });

  describe("stop()", () => {
    let admin: FakeAdmin;
    let executor: Executor;
    let logDir: string;
    const lifecycle: string[] = [];

    beforeAll(async () => {
      admin = await startFakeAdmin({ appName: APP_NAME, accessToken: ACCESS_TOKEN });
      logDir = await makeLogDir();
      executor = testExecutor([admin.url], logDir, { shutdownGraceMs: 100 });
      executor.register(
        "stubborn",
        async (ctx) => {
          lifecycle.push(`run:${ctx.runId}`);
          await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        },
        { init: () => void lifecycle.push("init"), destroy: () => void lifecycle.push("destroy") },
      );
      await executor.start();
    });

    afterAll(async () => {
      await executor?.stop();
      await admin?.close();
      await rm(logDir, { recursive: true, force: true });
    });

    it("deregisters, reports queued runs KILLED, aborts running ones after the grace period, flushes and destroys", async () => {
      const caller = callExecutor(executor.address);
      const running = runRequest({ jobId: 50n, handler: "stubborn" });
      const queued = runRequest({ jobId: 50n, handler: "stubborn" });
      await caller.client.run(running);
      await caller.client.run(queued);
      await waitFor("the first run to start", () => (lifecycle.includes(`run:${running.runId}`) ? true : undefined));
      caller.close();

      await executor.stop();

      expect(executor.state).toBe("STOPPED");
      expect(admin.removals).toEqual([expect.objectContaining({ appName: APP_NAME, address: executor.address })]);
      expect(admin.stored.get(Number(running.runId))).toMatchObject({ state: RunState.KILLED, message: "executor demo-app is shutting down" });
      const dropped = admin.stored.get(Number(queued.runId));
      expect(dropped).toMatchObject({ state: RunState.KILLED });
      expect(dropped?.startTime).toBeUndefined();
      expect(lifecycle).toEqual(["init", `run:${running.runId}`, "destroy"]);
      expect(executor.pendingResults).toBe(0);
      expect(() => executor.register("tooLate", () => "x")).toThrow(/stopped/);
    });
  });
});
