import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockStrategy } from "../../src/gen/jobwire/v1/job_pb.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { runRequest } from "./harness.js";
import { startExecutorFixture, type ExecutorFixture } from "./test-handlers.js";

describe("runs held for their instant (RunRequest.start_time, over the executor's real HTTP/2 server)", () => {
  let fx: ExecutorFixture;

  beforeAll(async () => {
    fx = await startExecutorFixture();
  });

  afterAll(async () => {
    await fx?.close();
  });

  it("accepts a held run at once, lists it in Beat while it waits, and starts it at its start time", async () => {
    const startAt = Date.now() + 300;
    const held = runRequest({ jobId: 300n, handler: "echo", param: "later", startTime: timestampFromMs(startAt) });
    const response = await fx.caller.client.runBatch({ runs: [held] });
    expect(response.results.map((r) => [r.runId, r.code])).toEqual([[held.runId, 0]]);
    expect((await fx.caller.client.beat({})).runningRunIds).toContain(held.runId);
    expect(fx.admin.stored.has(Number(held.runId))).toBe(false);

    const result = await fx.resultOf(held.runId);
    expect(result.state).toBe(RunState.SUCCEEDED);
    expect(result.message).toBe("echo later job=300 run=" + String(held.runId) + " shard=0/1 attempt=0");
    // The start time is read on the admin's clock, known here up to half a beat's round trip (a few ms locally).
    expect(timestampMs(result.startTime!)).toBeGreaterThanOrEqual(startAt - 20);
  });

  it("honours start_time on a plain Run call too", async () => {
    const held = runRequest({ jobId: 301n, handler: "blocking", param: "held-run", startTime: timestampFromMs(Date.now() + 10_000) });
    expect((await fx.caller.client.run(held)).queuedAhead).toBe(0);
    expect((await fx.caller.client.beat({})).runningRunIds).toContain(held.runId);
    expect(fx.handlers.events).not.toContain(`start:${held.runId}`);
    await fx.caller.client.kill({ target: { case: "runId", value: held.runId } });
    await fx.resultOf(held.runId);
  });

  it("reports a held run KILLED without starting it when it is killed by run or by job", async () => {
    const byRun = runRequest({ jobId: 302n, handler: "blocking", param: "held-kill-1", startTime: timestampFromMs(Date.now() + 10_000) });
    const byJob = runRequest({ jobId: 303n, handler: "blocking", param: "held-kill-2", startTime: timestampFromMs(Date.now() + 10_000) });
    await fx.caller.client.runBatch({ runs: [byRun, byJob] });

    expect((await fx.caller.client.kill({ target: { case: "runId", value: byRun.runId }, reason: "changed my mind" })).killedRunIds).toEqual([byRun.runId]);
    expect((await fx.caller.client.kill({ target: { case: "jobId", value: 303n } })).killedRunIds).toEqual([byJob.runId]);
    for (const run of [byRun, byJob]) {
      const result = await fx.resultOf(run.runId);
      expect(result.state).toBe(RunState.KILLED);
      expect(result.startTime).toBeUndefined();
      expect(fx.handlers.events).not.toContain(`start:${run.runId}`);
    }
    expect(fx.admin.stored.get(Number(byRun.runId))?.message).toBe("killed by the admin: changed my mind");
    expect((await fx.caller.client.beat({})).runningRunIds).not.toContain(byRun.runId);
  });

  it("applies the block strategy when the delay ends: DISCARD_LATER on a busy job reports the held run FAILED", async () => {
    const busy = runRequest({ jobId: 304n, handler: "blocking", param: "held-busy" });
    await fx.caller.client.run(busy);
    await fx.started(busy.runId);
    const held = runRequest({ jobId: 304n, handler: "echo", blockStrategy: BlockStrategy.DISCARD_LATER, startTime: timestampFromMs(Date.now() + 100) });
    // Accepted now: whether the job is busy is decided at the run's instant, not when it arrives.
    expect((await fx.caller.client.runBatch({ runs: [held] })).results[0]?.code).toBe(0);

    const result = await fx.resultOf(held.runId);
    expect(result.state).toBe(RunState.FAILED);
    expect(result.message).toMatch(/^refused at its start instant: .*busy/);
    expect(result.nonRetryable).toBe(false);
    fx.handlers.release("held-busy");
    expect((await fx.resultOf(busy.runId)).state).toBe(RunState.SUCCEEDED);
  });

  it("refuses the same run id while it is held, as ALREADY_EXISTS", async () => {
    const held = runRequest({ jobId: 305n, handler: "echo", startTime: timestampFromMs(Date.now() + 200) });
    const response = await fx.caller.client.runBatch({ runs: [held, { ...held, startTime: undefined }] });
    expect(response.results.map((r) => r.code)).toEqual([0, Code.AlreadyExists]);
    expect((await fx.resultOf(held.runId)).state).toBe(RunState.SUCCEEDED);
  });

  it("refuses a start_time more than 60 s ahead with INVALID_ARGUMENT naming the field", async () => {
    const error = await fx.caller.client.run(runRequest({ handler: "echo", startTime: timestampFromMs(Date.now() + 61_000) })).catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toMatch(/^start_time: .* is more than 60 s ahead/);
  });

  it("starts a run whose start_time has passed at once", async () => {
    const late = runRequest({ jobId: 307n, handler: "blocking", param: "held-late", startTime: timestampFromMs(Date.now() - 5_000) });
    await fx.caller.client.runBatch({ runs: [late] });
    await fx.started(late.runId);
    fx.handlers.release("held-late");
    expect((await fx.resultOf(late.runId)).state).toBe(RunState.SUCCEEDED);
  });

  it("reads start_time on the admin's clock, using the offset measured from the registration beats", async () => {
    // This admin's clock is 5 s ahead of the machine's: a run for 300 ms from the admin's now starts in about
    // 300 ms, not at once (which the machine's clock would say: 5.3 s ahead of it) and not 5.3 s later.
    const own = await startExecutorFixture({}, {}, { clockOffsetMs: 5_000 });
    try {
      const sentAt = Date.now();
      const held = runRequest({ jobId: 308n, handler: "echo", startTime: timestampFromMs(sentAt + 5_000 + 300) });
      await own.caller.client.runBatch({ runs: [held] });
      const result = await own.resultOf(held.runId);
      const waited = timestampMs(result.startTime!) - sentAt;
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(2_500);
    } finally {
      await own.close();
    }
  });

  it("fails its held runs (retryable, never started) when the executor stops", async () => {
    const own = await startExecutorFixture();
    try {
      const held = runRequest({ jobId: 306n, handler: "echo", startTime: timestampFromMs(Date.now() + 30_000) });
      await own.caller.client.runBatch({ runs: [held] });
      await own.executor.stop();
      const result = own.admin.stored.get(Number(held.runId));
      expect(result?.state).toBe(RunState.FAILED);
      expect(result?.nonRetryable).toBe(false);
      expect(result?.startTime).toBeUndefined();
      expect(result?.message).toMatch(/did not start$/);
    } finally {
      await own.close();
    }
  });
});
