import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogResponse } from "../../src/gen/jobwire/v1/executor_service_pb.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { runRequest } from "./harness.js";
import { startExecutorFixture, type ExecutorFixture } from "./test-handlers.js";
import { waitFor } from "./wait-for.js";

describe("executor", () => {
  let fx: ExecutorFixture;

  beforeAll(async () => {
    fx = await startExecutorFixture();
  });

  afterAll(async () => {
    await fx?.close();
  });



  describe("Kill", () => {
    it("aborts the running run by run id and reports it KILLED, leaving the job's other runs alone", async () => {
      const running = runRequest({ jobId: 20n, handler: "blocking", param: "kill-a" });
      const queued = runRequest({ jobId: 20n, handler: "blocking", param: "kill-b" });
      await fx.caller.client.run(running);
      await fx.caller.client.run(queued);
      await fx.started(running.runId);
      const response = await fx.caller.client.kill({ target: { case: "runId", value: running.runId }, reason: "operator asked" });
      expect(response.killedRunIds).toEqual([running.runId]);
      const killed = await fx.resultOf(running.runId);
      expect(killed.state).toBe(RunState.KILLED);
      expect(killed.message).toBe("killed by the admin: operator asked");
      expect(fx.handlers.abortedRuns.get(Number(running.runId))).toBe("killed by the admin: operator asked");
      await fx.started(queued.runId);
      fx.handlers.release("kill-b");
      expect((await fx.resultOf(queued.runId)).state).toBe(RunState.SUCCEEDED);
    });

    it("drops a queued run and reports it KILLED without a start time", async () => {
      const running = runRequest({ jobId: 21n, handler: "blocking", param: "queue-a" });
      const queued = runRequest({ jobId: 21n, handler: "blocking", param: "queue-b" });
      await fx.caller.client.run(running);
      await fx.caller.client.run(queued);
      expect((await fx.caller.client.kill({ target: { case: "runId", value: queued.runId } })).killedRunIds).toEqual([queued.runId]);
      const killed = await fx.resultOf(queued.runId);
      expect(killed.state).toBe(RunState.KILLED);
      expect(killed.startTime).toBeUndefined();
      fx.handlers.release("queue-a");
      expect((await fx.resultOf(running.runId)).state).toBe(RunState.SUCCEEDED);
      expect(fx.handlers.events).not.toContain(`start:${queued.runId}`);
    });

    it("kills every queued and running run of a job by job id", async () => {
      const reqs = [1, 2].map((i) => runRequest({ jobId: 22n, handler: "blocking", param: `job-kill-${i}` }));
      for (const req of reqs) await fx.caller.client.run(req);
      const response = await fx.caller.client.kill({ target: { case: "jobId", value: 22n } });
      expect([...response.killedRunIds].sort()).toEqual(reqs.map((req) => req.runId).sort());
      for (const req of reqs) expect((await fx.resultOf(req.runId)).state).toBe(RunState.KILLED);
    });

    it("answers with no run ids when the run is not here", async () => {
      expect((await fx.caller.client.kill({ target: { case: "runId", value: 999_999n } })).killedRunIds).toEqual([]);
    });
  });

  describe("Beat and IdleBeat", () => {
    it("reports the SDK version and the runs queued or executing here", async () => {
      const req = runRequest({ jobId: 23n, handler: "blocking", param: "beat" });
      await fx.caller.client.run(req);
      const beat = await fx.caller.client.beat({});
      expect(beat.sdkVersion).toMatch(/^jobwire-node\//);
      expect(beat.runningRunIds).toContain(req.runId);
      expect(await fx.caller.client.idleBeat({ jobId: 23n })).toMatchObject({ idle: false, running: 1 });
      expect(await fx.caller.client.idleBeat({ jobId: 424_242n })).toMatchObject({ idle: true, running: 0, queued: 0 });
      fx.handlers.release("beat");
      await fx.resultOf(req.runId);
    });
  });

  describe("Log", () => {
    async function collect(stream: AsyncIterable<LogResponse>): Promise<LogResponse[]> {
      const messages: LogResponse[] = [];
      for await (const message of stream) messages.push(message);
      return messages;
    }

    it("files the log under the UTC day of the trigger time and returns the lines written by ctx.log, in chunks", async () => {
      const triggerTime = Date.parse("2024-02-29T23:30:00Z");
      const req = runRequest({ jobId: 30n, handler: "chatty", param: "p", triggerTime: timestampFromMs(triggerTime) });
      await fx.caller.client.run(req);
      await fx.resultOf(req.runId);
      const file = await readFile(path.join(fx.logDir, "2024-02-29", `${req.runId}.log`), "utf8");
      expect(file).toContain("line 6 of p");

      const messages = await collect(fx.caller.client.log({ runId: req.runId, triggerTime: timestampFromMs(triggerTime), maxLines: 4 }));
      expect(messages.map((m) => [m.fromLine, m.toLine, m.end])).toEqual([
        [1, 4, false],
        [5, 8, false],
        [9, 9, true],
      ]);
      const lines = messages.flatMap((m) => m.lines);
      expect(lines[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} -+ run \d+ of job 30 started: handler=chatty param="p"/);
      expect(lines.slice(1, 8).map((line) => line.replace(/^\S+ \S+ /, ""))).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `line ${i} of p`));
      expect(lines[8]).toMatch(/run \d+ ended: SUCCEEDED in \d+ ms; message: talked/);

      const tail = await collect(fx.caller.client.log({ runId: req.runId, triggerTime: timestampFromMs(triggerTime), fromLine: 8 }));
      expect(tail).toHaveLength(1);
      expect(tail[0]).toMatchObject({ fromLine: 8, toLine: 9, end: true });
    });

    it("follows a running run's log until the run ends", async () => {
      const req = runRequest({ jobId: 31n, handler: "blocking", param: "follow" });
      await fx.caller.client.run(req);
      await fx.started(req.runId);
      const seen: LogResponse[] = [];
      const following = (async () => {
        for await (const message of fx.caller.client.log({ runId: req.runId, triggerTime: req.triggerTime, follow: true })) {
          seen.push(message);
        }
      })();
      await waitFor("the gate line to be streamed", () => (seen.some((m) => m.lines.some((line) => line.endsWith("waiting for gate follow"))) ? true : undefined));
      expect(seen.some((m) => m.end)).toBe(false);
      fx.handlers.release("follow");
      await following;
      const last = seen.at(-1);
      expect(last?.end).toBe(true);
      expect(seen.flatMap((m) => m.lines).at(-1)).toMatch(/ended: SUCCEEDED/);
    });

    it("answers 'nothing yet' for a run still queued, and follows it from before its start to its end", async () => {
      const blocker = runRequest({ jobId: 32n, handler: "blocking", param: "queued-log-a" });
      const queued = runRequest({ jobId: 32n, handler: "chatty", param: "q" });
      await fx.caller.client.run(blocker);
      await fx.caller.client.run(queued);
      const now = await collect(fx.caller.client.log({ runId: queued.runId, triggerTime: queued.triggerTime }));
      expect(now).toEqual([expect.objectContaining({ fromLine: 1, toLine: 0, lines: [], end: false })]);
      const following = collect(fx.caller.client.log({ runId: queued.runId, triggerTime: queued.triggerTime, follow: true }));
      fx.handlers.release("queued-log-a");
      const messages = await following;
      expect(messages.at(-1)?.end).toBe(true);
      expect(messages.flatMap((m) => m.lines)).toHaveLength(9);
    });

    it("answers NOT_FOUND for a run without a log here", async () => {
      const stream = collect(fx.caller.client.log({ runId: 777_777n, triggerTime: timestampFromMs(Date.now()) }));
      await expect(stream).rejects.toSatisfy((e: unknown) => ConnectError.from(e).code === Code.NotFound && ConnectError.from(e).rawMessage.includes("777777"));
    });
  });
});
