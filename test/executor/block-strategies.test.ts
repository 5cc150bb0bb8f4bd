import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockStrategy } from "../../src/gen/jobwire/v1/job_pb.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { runRequest } from "./harness.js";
import { startExecutorFixture, type ExecutorFixture } from "./test-handlers.js";

describe("block strategies (over the executor's real HTTP/2 server)", () => {
  let fx: ExecutorFixture;

  beforeAll(async () => {
    fx = await startExecutorFixture();
  });

  afterAll(async () => {
    await fx?.close();
  });



  describe("COVER_EARLY", () => {
    it("aborts the running run (KILLED), reports the queued ones KILLED without executing them, and runs the new one", async () => {
      const running = runRequest({ jobId: 100n, handler: "blocking", param: "cover-a" });
      const queued = runRequest({ jobId: 100n, handler: "blocking", param: "cover-b" });
      await fx.caller.client.run(running);
      await fx.caller.client.run(queued);
      await fx.started(running.runId);

      const cover = runRequest({ jobId: 100n, handler: "blocking", param: "cover-c", blockStrategy: BlockStrategy.COVER_EARLY });
      await fx.caller.client.run(cover);

      const killed = await fx.resultOf(running.runId);
      expect(killed.state).toBe(RunState.KILLED);
      expect(killed.message).toBe(`killed: covered by run ${cover.runId} (block strategy COVER_EARLY)`);
      expect(fx.handlers.abortedRuns.get(Number(running.runId))).toBe(killed.message);

      const dropped = await fx.resultOf(queued.runId);
      expect(dropped.state).toBe(RunState.KILLED);
      expect(dropped.message).toBe(`not executed: covered by run ${cover.runId} (block strategy COVER_EARLY)`);
      expect(dropped.startTime).toBeUndefined();

      await fx.started(cover.runId);
      fx.handlers.release("cover-c");
      expect((await fx.resultOf(cover.runId)).state).toBe(RunState.SUCCEEDED);
      expect(fx.handlers.events).not.toContain(`start:${queued.runId}`);
    });

    it("runs at once on an idle job, like any other run", async () => {
      const req = runRequest({ jobId: 101n, handler: "echo", param: "alone", blockStrategy: BlockStrategy.COVER_EARLY });
      expect((await fx.caller.client.run(req)).queuedAhead).toBe(0);
      expect((await fx.resultOf(req.runId)).state).toBe(RunState.SUCCEEDED);
    });
  });

  describe("CONCURRENT", () => {
    it("runs up to the requested concurrency in parallel and queues the rest", async () => {
      const reqs = [1, 2, 3].map((i) => runRequest({ jobId: 110n, handler: "blocking", param: `conc-${i}`, blockStrategy: BlockStrategy.CONCURRENT, concurrency: 2 }));
      const ahead: number[] = [];
      for (const req of reqs) ahead.push((await fx.caller.client.run(req)).queuedAhead);
      expect(ahead).toEqual([0, 1, 2]);
      const [first, second, third] = reqs.map((req) => req.runId) as [bigint, bigint, bigint];
      await fx.started(first);
      await fx.started(second);
      expect(await fx.caller.client.idleBeat({ jobId: 110n })).toMatchObject({ idle: false, running: 2, queued: 1 });
      expect(fx.handlers.events).not.toContain(`start:${third}`);

      fx.handlers.release("conc-2");
      await fx.resultOf(second);
      await fx.started(third);
      fx.handlers.release("conc-1");
      fx.handlers.release("conc-3");
      for (const runId of [first, third]) expect((await fx.resultOf(runId)).state).toBe(RunState.SUCCEEDED);
    });

    it("refuses a concurrency out of range with INVALID_ARGUMENT naming the field", async () => {
      const error = await fx.caller.client
        .run(runRequest({ jobId: 111n, handler: "echo", blockStrategy: BlockStrategy.CONCURRENT, concurrency: 5_000 }))
        .catch((e: unknown) => ConnectError.from(e));
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toBe("concurrency: 5000 must be from 1 to 1000 (0 means 1)");
    });
  });

  describe("SERIAL after CONCURRENT", () => {
    it("lets the job's latest setting win: a SERIAL run waits until every concurrent run is done", async () => {
      const a = runRequest({ jobId: 120n, handler: "blocking", param: "mix-a", blockStrategy: BlockStrategy.CONCURRENT, concurrency: 3 });
      const b = runRequest({ jobId: 120n, handler: "blocking", param: "mix-b", blockStrategy: BlockStrategy.CONCURRENT, concurrency: 3 });
      const serial = runRequest({ jobId: 120n, handler: "echo", param: "mix-c" });
      await fx.caller.client.run(a);
      await fx.caller.client.run(b);
      await fx.started(a.runId);
      await fx.started(b.runId);
      expect((await fx.caller.client.run(serial)).queuedAhead).toBe(2);
      fx.handlers.release("mix-a");
      await fx.resultOf(a.runId);
      expect(fx.admin.stored.has(Number(serial.runId))).toBe(false);
      fx.handlers.release("mix-b");
      expect((await fx.resultOf(serial.runId)).state).toBe(RunState.SUCCEEDED);
    });
  });
});
