import { describe, expect, it } from "vitest";
import {
  completeRun,
  countRunsByState,
  getRun,
  insertRun,
  insertRuns,
  listRuns,
  markRunTriggered,
  setRunAlarmState,
} from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { collectIds, newRun, pageOf, seedJob, seedRun, triggerReport } from "./fixtures.js";

const ACCEPTED = {
  triggerState: "ACCEPTED",
  executorAddress: "http://10.0.0.5:9999",
  triggerReport: triggerReport(),
  state: "RUNNING",
  deadlineTime: 1_700_000_620_000,
} as const;

describeEachDatabase("run repository", (getDb) => {
  describe("insertRun()", () => {
    it("creates a PENDING run with no trigger or handle result and maps every field back", async () => {
      const { job } = await seedJob(getDb());
      const input = newRun(job, { fireId: 7, triggerType: "RETRY", attempt: 2, retriesLeft: 1, originRunId: 5, shardIndex: 1, shardTotal: 3 });
      const run = await insertRun(getDb(), input);
      expect(run).toEqual({
        ...input,
        id: run.id,
        triggerState: "PENDING",
        triggerReport: null,
        state: "PENDING",
        deadlineTime: 0,
        handleTime: 0,
        handleMessage: "",
        retryable: true,
        alarmState: "NONE",
        updateTime: input.triggerTime,
        // A run inserted without a batch is its own batch.
        batchId: run.id,
        missedBeats: 0,
      });
      expect(await getRun(getDb(), run.id)).toEqual(run);
    });

    it("inserts many runs at once and returns them in input order with their ids", async () => {
      const { job } = await seedJob(getDb());
      const inputs = Array.from({ length: 450 }, (_, i) => newRun(job, { param: `p${i}`, scheduledTime: 10_000 + i }));
      const runs = await insertRuns(getDb(), inputs);
      expect(runs.map((r) => r.param)).toEqual(inputs.map((r) => r.param));
      for (const run of runs.slice(0, 5).concat(runs.slice(-5))) expect(await getRun(getDb(), run.id)).toEqual(run);
      expect(new Set(runs.map((r) => r.id)).size).toBe(450);
    });

    it("keeps the batch a shard or retry is inserted into", async () => {
      const { job } = await seedJob(getDb());
      const first = await insertRun(getDb(), newRun(job, { shardIndex: 0, shardTotal: 2 }));
      const second = await insertRun(getDb(), newRun(job, { shardIndex: 1, shardTotal: 2, batchId: first.id }));
      expect(second.batchId).toBe(first.id);
      expect((await getRun(getDb(), second.id))?.batchId).toBe(first.id);
    });
  });

  describe("markRunTriggered()", () => {
    it("records the trigger outcome of a PENDING run, report included", async () => {
      const { run } = await seedRun(getDb());
      expect(await markRunTriggered(getDb(), run.id, ACCEPTED, 9_000)).toBe(true);
      expect(await getRun(getDb(), run.id)).toMatchObject({ ...ACCEPTED, updateTime: 9_000 });
    });

    it("records the outcome once: a second record changes nothing", async () => {
      const { run } = await seedRun(getDb());
      await markRunTriggered(getDb(), run.id, ACCEPTED, 9_000);
      const again = { ...ACCEPTED, triggerState: "FAILED", state: "FAILED", executorAddress: "http://other:1" } as const;
      expect(await markRunTriggered(getDb(), run.id, again, 9_500)).toBe(false);
      expect(await getRun(getDb(), run.id)).toMatchObject({ ...ACCEPTED, updateTime: 9_000 });
    });

    it("keeps a final state a fast callback stored before the trigger outcome arrived", async () => {
      const { run } = await seedRun(getDb());
      await completeRun(getDb(), run.id, { state: "SUCCEEDED", handleMessage: "done", handleTime: 8_000, retryable: true });
      expect(await markRunTriggered(getDb(), run.id, ACCEPTED, 9_000)).toBe(true);
      expect(await getRun(getDb(), run.id)).toMatchObject({ state: "SUCCEEDED", triggerState: "ACCEPTED", triggerReport: ACCEPTED.triggerReport });
    });
  });

  describe("completeRun()", () => {
    it("stores the final state of a RUNNING run", async () => {
      const { run } = await seedRun(getDb());
      await markRunTriggered(getDb(), run.id, ACCEPTED, 9_000);
      expect(await completeRun(getDb(), run.id, { state: "FAILED", handleMessage: "boom", handleTime: 10_000, retryable: false })).toBe(true);
      expect(await getRun(getDb(), run.id)).toMatchObject({ state: "FAILED", handleMessage: "boom", handleTime: 10_000, retryable: false, updateTime: 10_000 });
    });

    it("applies a result once: a duplicate callback returns false and leaves the row unchanged", async () => {
      const { run } = await seedRun(getDb());
      await markRunTriggered(getDb(), run.id, ACCEPTED, 9_000);
      expect(await completeRun(getDb(), run.id, { state: "SUCCEEDED", handleMessage: "ok", handleTime: 10_000, retryable: true })).toBe(true);
      const afterFirst = await getRun(getDb(), run.id);
      expect(await completeRun(getDb(), run.id, { state: "FAILED", handleMessage: "late duplicate", handleTime: 11_000, retryable: false })).toBe(false);
      expect(await getRun(getDb(), run.id)).toEqual(afterFirst);
    });

    it("lets exactly one of several concurrent results win", async () => {
      const { run } = await seedRun(getDb());
      const results = await Promise.all(
        (["SUCCEEDED", "FAILED", "TIMED_OUT", "KILLED"] as const).map((state, i) => completeRun(getDb(), run.id, { state, handleMessage: state, handleTime: 10_000 + i, retryable: true })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await getRun(getDb(), run.id);
      expect(stored?.handleMessage).toBe(stored?.state);
    });

    it("stores a handler message up to the admin's 15 000-character limit, multi-byte characters included", async () => {
      const { run } = await seedRun(getDb());
      const message = "日志".repeat(7_500);
      await completeRun(getDb(), run.id, { state: "SUCCEEDED", handleMessage: message, handleTime: 1, retryable: true });
      expect((await getRun(getDb(), run.id))?.handleMessage).toBe(message);
    });

    it("returns false for a run that does not exist", async () => {
      expect(await completeRun(getDb(), 987_654, { state: "SUCCEEDED", handleMessage: "", handleTime: 1, retryable: true })).toBe(false);
    });
  });

  describe("listRuns()", () => {
    it("returns every run of a job exactly once across pages, newest first", async () => {
      const { job } = await seedJob(getDb());
      const ids: number[] = [];
      for (let i = 0; i < 9; i++) ids.push((await insertRun(getDb(), newRun(job, { triggerTime: 1_000 + i }))).id);
      expect(await collectIds((cursor) => listRuns(getDb(), { jobId: job.id }, pageOf(4, cursor)))).toEqual([...ids].reverse());
    });

    it("filters by groups, states and an inclusive trigger time range", async () => {
      const { job } = await seedJob(getDb());
      const at = async (triggerTime: number) => insertRun(getDb(), newRun(job, { triggerTime }));
      const early = await at(100);
      const middle = await at(200);
      const late = await at(300);
      await markRunTriggered(getDb(), middle.id, ACCEPTED, 1);
      const ids = async (filter: Parameters<typeof listRuns>[1]): Promise<number[]> =>
        (await listRuns(getDb(), { jobId: job.id, ...filter }, { limit: 100 })).items.map((r) => r.id);
      expect(await ids({ triggerTimeFrom: 200, triggerTimeTo: 300 })).toEqual([late.id, middle.id]);
      expect(await ids({ states: ["RUNNING"] })).toEqual([middle.id]);
      expect(await ids({ states: ["PENDING"], triggerTimeTo: 100 })).toEqual([early.id]);
      expect(await ids({ groupIds: [job.groupId] })).toEqual([late.id, middle.id, early.id]);
      expect(await ids({ groupIds: [] })).toEqual([]);
      expect(await ids({ states: [] })).toEqual([]);
    });
  });

  describe("countRunsByState()", () => {
    it("counts per state, with 0 for states without runs, as numbers", async () => {
      const { job } = await seedJob(getDb());
      const runs = await Promise.all([1, 2, 3].map(() => insertRun(getDb(), newRun(job))));
      await completeRun(getDb(), runs[0]?.id ?? 0, { state: "SUCCEEDED", handleMessage: "", handleTime: 1, retryable: true });
      const counts = await countRunsByState(getDb(), { jobId: job.id });
      expect(counts).toEqual({ PENDING: 2, RUNNING: 0, SUCCEEDED: 1, FAILED: 0, TIMED_OUT: 0, KILLED: 0, LOST: 0 });
    });
  });

  describe("setRunAlarmState()", () => {
    it("moves the alarm state only from the expected state, so one admin claims an alarm", async () => {
      const { run } = await seedRun(getDb());
      const claims = await Promise.all([1, 2, 3].map(() => setRunAlarmState(getDb(), run.id, "NONE", "CLAIMED", 5)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await setRunAlarmState(getDb(), run.id, "CLAIMED", "SENT", 6)).toBe(true);
      expect((await getRun(getDb(), run.id))?.alarmState).toBe("SENT");
    });
  });
});
