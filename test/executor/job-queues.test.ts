import { rm } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JobQueues } from "../../src/executor/job-queues.js";
import type { RunResultRecord } from "../../src/executor/run-result.js";
import { RunRefusal, type RegisteredHandler, type RunSpec } from "../../src/executor/run-spec.js";
import type { JobHandler, JobHandlerHooks } from "../../src/executor/types.js";
import { silentLogger } from "../../src/shared/logger.js";
import { makeLogDir } from "./harness.js";
import { waitFor } from "./wait-for.js";

let nextRunId = 1;

function spec(jobId: number, overrides: Partial<RunSpec> = {}): RunSpec {
  nextRunId += 1;
  return {
    jobId,
    runId: nextRunId,
    handlerName: "h",
    param: "",
    blockStrategy: "SERIAL",
    concurrency: 1,
    timeoutMs: 0,
    glueType: "BEAN",
    glueSource: "",
    glueUpdateTime: 0,
    shardIndex: 0,
    shardTotal: 1,
    attempt: 0,
    triggerTime: Date.now(),
    scheduledTime: 0,
    ...overrides,
  };
}

function handler(name: string, run: JobHandler, hooks: JobHandlerHooks = {}): RegisteredHandler {
  return { name, run, hooks };
}

describe("JobQueues", () => {
  let logDir: string;
  let results: RunResultRecord[];
  let queues: JobQueues;

  beforeEach(async () => {
    logDir = await makeLogDir();
    results = [];
    queues = new JobQueues({ logDir, logger: silentLogger, report: (r) => results.push(r), isUnacked: () => false, idleTimeoutMs: 50, abortGraceMs: 100 });
  });

  afterEach(async () => {
    await queues.close(0, "test over");
    await rm(logDir, { recursive: true, force: true });
  });

  function resultOf(runId: number): Promise<RunResultRecord> {
    return waitFor(`the result of run ${runId}`, () => results.find((r) => r.runId === runId));
  }

  describe("submit()", () => {
    it("runs init once per queue lifetime and destroy when the queue ends after being idle", async () => {
      const calls: string[] = [];
      const h = handler("h", (ctx) => void calls.push(`run:${ctx.runId}`), { init: () => void calls.push("init"), destroy: () => void calls.push("destroy") });
      const a = spec(1);
      const b = spec(1);
      queues.submit(a, h);
      queues.submit(b, h);
      await resultOf(b.runId);
      await waitFor("the idle queue to end", () => (calls.includes("destroy") ? true : undefined));
      expect(calls).toEqual(["init", `run:${a.runId}`, `run:${b.runId}`, "destroy"]);

      const c = spec(1);
      queues.submit(c, h);
      await resultOf(c.runId);
      expect(calls.slice(4)).toEqual(["init", `run:${c.runId}`]);
    });

    it("destroys the previous handler before initialising another one on the same job", async () => {
      const calls: string[] = [];
      const first = handler("first", () => "1", { init: () => void calls.push("init first"), destroy: () => void calls.push("destroy first") });
      const second = handler("second", () => "2", { init: () => void calls.push("init second") });
      queues.submit(spec(2), first);
      const last = spec(2);
      queues.submit(last, second);
      await resultOf(last.runId);
      expect(calls).toEqual(["init first", "destroy first", "init second"]);
    });

    it("fails the run when init throws and tries init again for the next run", async () => {
      let attempts = 0;
      const h = handler("flaky", () => "ran", {
        init: () => {
          attempts += 1;
          if (attempts === 1) throw new Error("no database yet");
        },
      });
      const a = spec(3);
      const b = spec(3);
      queues.submit(a, h);
      queues.submit(b, h);
      expect(await resultOf(a.runId)).toMatchObject({ state: "FAILED", message: expect.stringContaining('init of handler "flaky" failed: Error: no database yet') as unknown });
      expect(await resultOf(b.runId)).toMatchObject({ state: "SUCCEEDED", message: "ran" });
    });

    it("refuses a run id it already holds, and one whose result still waits for an ack", async () => {
      const reported = new Set<number>([424_242]);
      const guarded = new JobQueues({ logDir, logger: silentLogger, report: () => {}, isUnacked: (id) => reported.has(id) });
      const h = handler("slow", (ctx) => new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve())));
      const a = spec(4);
      guarded.submit(a, h);
      expect(() => guarded.submit(a, h)).toThrow(RunRefusal);
      expect(() => guarded.submit(spec(4, { runId: 424_242 }), h)).toThrow(/already finished on this executor/);
      await guarded.close(0, "done");
    });

    it("caps result messages at 50 000 characters", async () => {
      const a = spec(5);
      queues.submit(a, handler("long", () => "x".repeat(60_000)));
      const { message } = await resultOf(a.runId);
      expect(message).toHaveLength(50_000);
      expect(message.endsWith("...")).toBe(true);
    });

    it("reports a killed run at once even if its handler ignores the signal, and keeps the job's slot until the grace ends", async () => {
      const order: string[] = [];
      const deaf = handler("deaf", async (ctx) => {
        order.push(`start:${ctx.runId}`);
        await new Promise((resolve) => setTimeout(resolve, 300));
        order.push(`end:${ctx.runId}`);
      });
      const a = spec(6);
      const b = spec(6);
      queues.submit(a, deaf);
      queues.submit(b, deaf);
      await waitFor("the first run to start", () => (order.length > 0 ? true : undefined));
      expect(queues.killRun(a.runId, "stop it")).toEqual([a.runId]);
      expect(await resultOf(a.runId)).toMatchObject({ state: "KILLED", message: "stop it" });
      expect(order).toEqual([`start:${a.runId}`]);
      // abortGraceMs is 100 ms: the second run starts after it, before the deaf handler's 300 ms are up.
      await waitFor("the second run to start", () => (order.includes(`start:${b.runId}`) ? true : undefined));
      expect(order).not.toContain(`end:${a.runId}`);
      await resultOf(b.runId);
    });
  });
});
