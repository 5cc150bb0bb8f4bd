import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockStrategy, GlueType } from "../../src/gen/jobwire/v1/job_pb.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { callExecutor, runRequest } from "./harness.js";
import { startExecutorFixture, type ExecutorFixture } from "./test-handlers.js";
import { waitFor } from "./wait-for.js";

function codeOf(error: unknown): Code {
  return ConnectError.from(error).code;
}

describe("executor", () => {
  let fx: ExecutorFixture;

  beforeAll(async () => {
    fx = await startExecutorFixture();
  });

  afterAll(async () => {
    await fx?.close();
  });


  describe("auth interceptor", () => {
    it.each([
      ["no credentials", {}, /missing "authorization: Bearer <token>" metadata/],
      ["a wrong token", { appName: "demo-app", token: "forged" }, /access token does not match/],
      ["the right token for another app name", { appName: "other-app", token: "executor-test-token" }, /"jobwire-app-name" metadata "other-app" does not match/],
      ["no app name", { token: "executor-test-token" }, /"jobwire-app-name" metadata is missing/],
    ])("refuses a call with %s as UNAUTHENTICATED", async (_what, credentials, message) => {
      const intruder = callExecutor(fx.executor.address, credentials);
      try {
        const error = await intruder.client.beat({}).then(
          () => undefined,
          (e: unknown) => ConnectError.from(e),
        );
        expect(error?.code).toBe(Code.Unauthenticated);
        expect(error?.rawMessage).toMatch(message);
      } finally {
        intruder.close();
      }
    });
  });

  describe("Run", () => {
    it("runs a BEAN handler and reports SUCCEEDED with its message on the Callback stream", async () => {
      const req = runRequest({ jobId: 7n, handler: "echo", param: "hello", shardIndex: 1, shardTotal: 3, attempt: 2 });
      const response = await fx.caller.client.run(req);
      expect(response.queuedAhead).toBe(0);
      const result = await fx.resultOf(req.runId);
      expect(result.state).toBe(RunState.SUCCEEDED);
      expect(result.message).toBe(`echo hello job=7 run=${req.runId} shard=1/3 attempt=2`);
      expect(result.nonRetryable).toBe(false);
      expect(result.startTime).toBeDefined();
      expect(result.endTime).toBeDefined();
    });

    it("reports FAILED with the stack when the handler throws", async () => {
      const req = runRequest({ handler: "boom" });
      await fx.caller.client.run(req);
      const result = await fx.resultOf(req.runId);
      expect(result.state).toBe(RunState.FAILED);
      expect(result.message).toMatch(/^Error: the warehouse is on fire\n\s+at /);
      expect(result.nonRetryable).toBe(false);
    });

    it("reports FAILED and non_retryable when the handler calls ctx.failNonRetryable()", async () => {
      const req = runRequest({ handler: "refuse", param: "42" });
      await fx.caller.client.run(req);
      const result = await fx.resultOf(req.runId);
      expect(result.state).toBe(RunState.FAILED);
      expect(result.message).toBe("bad param 42");
      expect(result.nonRetryable).toBe(true);
    });

    it("answers NOT_FOUND naming the handler and the app when the handler is unknown", async () => {
      const error = await fx.caller.client.run(runRequest({ handler: "noSuchHandler" })).catch((e: unknown) => ConnectError.from(e));
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.NotFound);
      expect((error as ConnectError).rawMessage).toBe('handler "noSuchHandler" is not registered in executor demo-app');
    });

    it("answers FAILED_PRECONDITION for a GLUE run while GLUE is disabled", async () => {
      const run = fx.caller.client.run(runRequest({ glueType: GlueType.SHELL, glueSource: "echo hi" }));
      await expect(run).rejects.toSatisfy((e: unknown) => codeOf(e) === Code.FailedPrecondition && ConnectError.from(e).rawMessage.includes("GLUE is disabled"));
    });

    it("answers ALREADY_EXISTS for a run id that is already queued or running", async () => {
      const req = runRequest({ jobId: 8n, handler: "blocking", param: "dup" });
      await fx.caller.client.run(req);
      await expect(fx.caller.client.run(req)).rejects.toSatisfy((e: unknown) => codeOf(e) === Code.AlreadyExists);
      fx.handlers.release("dup");
      expect((await fx.resultOf(req.runId)).state).toBe(RunState.SUCCEEDED);
    });

    it("runs the runs of one job one after the other, in arrival order (SERIAL)", async () => {
      const reqs = [1, 2, 3].map((i) => runRequest({ jobId: 9n, handler: "blocking", param: `serial-${i}` }));
      const ahead: number[] = [];
      for (const req of reqs) ahead.push((await fx.caller.client.run(req)).queuedAhead);
      expect(ahead).toEqual([0, 1, 2]);
      await waitFor("the first run to start", () => (fx.handlers.events.includes(`start:${reqs[0]?.runId}`) ? true : undefined));
      expect(fx.handlers.events).not.toContain(`start:${reqs[1]?.runId}`);
      for (let i = 3; i >= 1; i -= 1) fx.handlers.release(`serial-${i}`);
      for (const req of reqs) await fx.resultOf(req.runId);
      const order = fx.handlers.events.filter((event) => reqs.some((req) => event.endsWith(`:${req.runId}`)));
      expect(order).toEqual(reqs.flatMap((req) => [`start:${req.runId}`, `end:${req.runId}`]));
    });

    it("refuses a DISCARD_LATER run with FAILED_PRECONDITION while the job is busy, and takes it once idle", async () => {
      const first = runRequest({ jobId: 10n, handler: "blocking", param: "discard", blockStrategy: BlockStrategy.DISCARD_LATER });
      await fx.caller.client.run(first);
      const later = runRequest({ jobId: 10n, handler: "echo", blockStrategy: BlockStrategy.DISCARD_LATER });
      await expect(fx.caller.client.run(later)).rejects.toSatisfy(
        (e: unknown) => codeOf(e) === Code.FailedPrecondition && ConnectError.from(e).rawMessage.includes("job 10 is busy"),
      );
      expect(await fx.caller.client.idleBeat({ jobId: 10n })).toMatchObject({ idle: false, running: 1, queued: 0 });
      fx.handlers.release("discard");
      await fx.resultOf(first.runId);
      await waitFor("job 10 to be idle", async () => ((await fx.caller.client.idleBeat({ jobId: 10n })).idle ? true : undefined));
      await fx.caller.client.run(later);
      expect((await fx.resultOf(later.runId)).state).toBe(RunState.SUCCEEDED);
    });

    it("aborts ctx.signal and reports TIMED_OUT when the run exceeds its timeout", async () => {
      const req = runRequest({ jobId: 12n, handler: "blocking", param: "never-opened", timeout: durationFromMs(100) });
      await fx.caller.client.run(req);
      const result = await fx.resultOf(req.runId);
      expect(result.state).toBe(RunState.TIMED_OUT);
      expect(result.message).toBe("run timed out after 100 ms");
      await waitFor("the handler to see the abort", () => fx.handlers.abortedRuns.get(Number(req.runId)));
      expect(fx.handlers.abortedRuns.get(Number(req.runId))).toBe("run timed out after 100 ms");
    });
  });
});
