import { expect, it } from "vitest";
import {
  applyJobPlans,
  finishRuns,
  getJob,
  getRun,
  getRuns,
  inTransaction,
  insertJob,
  insertRun,
  markRunsTriggered,
} from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { newJob, newRun, seedJob, triggerReport } from "./fixtures.js";

describeEachDatabase("set-based updates of the scheduler's hot path", (getDb) => {
  it("finishRuns finishes only open runs, each with its own values, the first entry of a repeated id winning", async () => {
    const { job } = await seedJob(getDb());
    const [a, b, done] = await Promise.all([1, 2, 3].map(() => insertRun(getDb(), newRun(job))));
    if (a === undefined || b === undefined || done === undefined) throw new Error("runs not inserted");
    await inTransaction(getDb(), (trx) => finishRuns(trx, [{ id: done.id, finish: { state: "SUCCEEDED", handleMessage: "earlier", handleTime: 5, retryable: true, alarmState: "SKIPPED" } }]));

    const finished = await inTransaction(getDb(), (trx) =>
      finishRuns(trx, [
        { id: b.id, finish: { state: "FAILED", handleMessage: "boom", handleTime: 20, retryable: false, alarmState: "NONE" } },
        { id: a.id, finish: { state: "SUCCEEDED", handleMessage: "ok", handleTime: 10, retryable: true, alarmState: "SKIPPED" } },
        { id: done.id, finish: { state: "FAILED", handleMessage: "late duplicate", handleTime: 30, retryable: true, alarmState: "NONE" } },
        { id: a.id, finish: { state: "FAILED", handleMessage: "repeated", handleTime: 40, retryable: true, alarmState: "NONE" } },
      ]),
    );
    expect([...finished].sort((x, y) => x - y)).toEqual([a.id, b.id].sort((x, y) => x - y));
    expect(await getRun(getDb(), a.id)).toMatchObject({ state: "SUCCEEDED", handleMessage: "ok", handleTime: 10, retryable: true, alarmState: "SKIPPED" });
    expect(await getRun(getDb(), b.id)).toMatchObject({ state: "FAILED", handleMessage: "boom", handleTime: 20, retryable: false, alarmState: "NONE" });
    expect(await getRun(getDb(), done.id)).toMatchObject({ state: "SUCCEEDED", handleMessage: "earlier", handleTime: 5 });
  });

  it("markRunsTriggered stores each run's report, address and deadline, moving the state only from PENDING", async () => {
    const { job } = await seedJob(getDb());
    const [fast, slow, twice] = await Promise.all([1, 2, 3].map(() => insertRun(getDb(), newRun(job))));
    if (fast === undefined || slow === undefined || twice === undefined) throw new Error("runs not inserted");
    // The result of a fast handler arrived before the executor's answer to Run: the run is final already.
    await inTransaction(getDb(), (trx) => finishRuns(trx, [{ id: fast.id, finish: { state: "SUCCEEDED", handleMessage: "quick", handleTime: 7, retryable: true, alarmState: "SKIPPED" } }]));
    await markRunsTriggered(getDb(), [{ id: twice.id, outcome: { triggerState: "ACCEPTED", state: "RUNNING", executorAddress: "http://first:1", deadlineTime: 1, triggerReport: triggerReport({ durationMs: 1 }) } }], 100);

    await markRunsTriggered(
      getDb(),
      [
        { id: fast.id, outcome: { triggerState: "ACCEPTED", state: "RUNNING", executorAddress: "http://a:1", deadlineTime: 0, triggerReport: triggerReport({ chosenAddress: "http://a:1", durationMs: 3 }) } },
        { id: slow.id, outcome: { triggerState: "ACCEPTED", state: "RUNNING", executorAddress: "http://b:2", deadlineTime: 99_000, triggerReport: triggerReport({ chosenAddress: "http://b:2", durationMs: 9 }) } },
        { id: twice.id, outcome: { triggerState: "ACCEPTED", state: "RUNNING", executorAddress: "http://second:2", deadlineTime: 2, triggerReport: triggerReport({ durationMs: 2 }) } },
      ],
      200,
    );
    const runs = new Map((await getRuns(getDb(), [fast.id, slow.id, twice.id])).map((r) => [r.id, r]));
    expect(runs.get(fast.id)).toMatchObject({ state: "SUCCEEDED", triggerState: "ACCEPTED", executorAddress: "http://a:1", deadlineTime: 0, updateTime: 200 });
    expect(runs.get(fast.id)?.triggerReport?.durationMs).toBe(3);
    expect(runs.get(slow.id)).toMatchObject({ state: "RUNNING", triggerState: "ACCEPTED", executorAddress: "http://b:2", deadlineTime: 99_000 });
    expect(runs.get(slow.id)?.triggerReport?.chosenAddress).toBe("http://b:2");
    // A trigger result is recorded once: the second write changed nothing.
    expect(runs.get(twice.id)).toMatchObject({ executorAddress: "http://first:1", deadlineTime: 1, updateTime: 100 });
  });

  it("applyJobPlans advances each claimed job to its own schedule and refuses a plan whose job changed", async () => {
    const { group } = await seedJob(getDb());
    const jobs = await Promise.all([1, 2, 3].map((i) => insertJob(getDb(), newJob(group.id, { name: `plan ${i}` }), 1_000)));
    const start = (id: number, next: number) => getDb().updateTable("jw_job").set({ state: "RUNNING", next_fire_time: next }).where("id", "=", id).execute();
    for (const [i, job] of jobs.entries()) await start(job.id, 10_000 + i);
    const [j1, j2, j3] = jobs;
    if (j1 === undefined || j2 === undefined || j3 === undefined) throw new Error("jobs not inserted");

    await inTransaction(getDb(), (trx) =>
      applyJobPlans(
        trx,
        [
          { id: j1.id, expectedNextFireTime: 10_000, schedule: { state: "RUNNING", nextFireTime: 20_000, lastFireTime: 10_000 } },
          { id: j2.id, expectedNextFireTime: 10_001, schedule: { state: "STOPPED", nextFireTime: 0, lastFireTime: 10_001 } },
        ],
        50,
      ),
    );
    expect(await getJob(getDb(), j1.id)).toMatchObject({ state: "RUNNING", nextFireTime: 20_000, lastFireTime: 10_000 });
    expect(await getJob(getDb(), j2.id)).toMatchObject({ state: "STOPPED", nextFireTime: 0, lastFireTime: 10_001 });

    // A plan computed from a stale next fire time fails the transaction: nothing of it is written.
    const stale = inTransaction(getDb(), (trx) =>
      applyJobPlans(
        trx,
        [
          { id: j1.id, expectedNextFireTime: 20_000, schedule: { state: "RUNNING", nextFireTime: 30_000, lastFireTime: 20_000 } },
          { id: j3.id, expectedNextFireTime: 99, schedule: { state: "RUNNING", nextFireTime: 30_000, lastFireTime: 20_000 } },
        ],
        60,
      ),
    );
    await expect(stale).rejects.toThrow(/1 of 2 claimed jobs changed under the claim/);
    expect(await getJob(getDb(), j1.id)).toMatchObject({ nextFireTime: 20_000 });
    expect(await getJob(getDb(), j3.id)).toMatchObject({ nextFireTime: 10_002 });
  });
});
