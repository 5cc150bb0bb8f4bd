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
import type { Run } from "../../../src/admin/domain/index.js";
import type { RunFinish, TriggerOutcome } from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { newJob, newRun, seedJob, triggerReport } from "./fixtures.js";

/** An executor's acceptance of a run at `address`. */
function acceptance(address: string, deadlineTime: number, durationMs: number): TriggerOutcome {
  return {
    triggerState: "ACCEPTED",
    state: "RUNNING",
    executorAddress: address,
    deadlineTime,
    triggerReport: triggerReport({ chosenAddress: address, addresses: [address], durationMs }),
  };
}

function finish(state: RunFinish["state"], handleMessage: string, handleTime: number, trigger?: TriggerOutcome): RunFinish {
  const alarmState = state === "SUCCEEDED" ? "SKIPPED" : "NONE";
  return { state, handleMessage, handleTime, retryable: true, alarmState, ...(trigger === undefined ? {} : { trigger }) };
}

function sorted(ids: Iterable<number>): number[] {
  return [...ids].sort((a, b) => a - b);
}

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

  it("finishRuns writes a carried acceptance with the result over a PENDING trigger, and leaves the trigger of runs without one PENDING", async () => {
    const { job } = await seedJob(getDb());
    const runs = await Promise.all([1, 2, 3, 4].map(() => insertRun(getDb(), newRun(job))));
    const [a, plain, b, alsoPlain] = runs;
    if (a === undefined || plain === undefined || b === undefined || alsoPlain === undefined) throw new Error("runs not inserted");
    const acceptedA = acceptance("http://10.0.0.7:9999", 700_000, 4);
    const acceptedB = acceptance("http://10.0.0.8:9999", 800_000, 6);

    const finished = await inTransaction(getDb(), (trx) =>
      finishRuns(trx, [
        { id: a.id, finish: finish("SUCCEEDED", "ok", 1_000, acceptedA) },
        { id: plain.id, finish: finish("FAILED", "boom", 1_100) },
        { id: b.id, finish: finish("FAILED", "bad input", 1_200, acceptedB) },
        { id: alsoPlain.id, finish: finish("SUCCEEDED", "fine", 1_300) },
      ]),
    );

    expect(sorted(finished)).toEqual(sorted(runs.map((r) => r.id)));
    const stored = new Map((await getRuns(getDb(), runs.map((r) => r.id))).map((r) => [r.id, r]));
    // The acceptance's state (RUNNING) does not override the final state written with it.
    expect(stored.get(a.id)).toMatchObject({
      state: "SUCCEEDED",
      handleMessage: "ok",
      handleTime: 1_000,
      updateTime: 1_000,
      alarmState: "SKIPPED",
      triggerState: "ACCEPTED",
      executorAddress: acceptedA.executorAddress,
      deadlineTime: acceptedA.deadlineTime,
      triggerReport: acceptedA.triggerReport,
    });
    expect(stored.get(b.id)).toMatchObject({
      state: "FAILED",
      handleMessage: "bad input",
      handleTime: 1_200,
      alarmState: "NONE",
      triggerState: "ACCEPTED",
      executorAddress: acceptedB.executorAddress,
      deadlineTime: acceptedB.deadlineTime,
      triggerReport: acceptedB.triggerReport,
    });
    for (const [run, state, message] of [[plain, "FAILED", "boom"], [alsoPlain, "SUCCEEDED", "fine"]] as const) {
      expect(stored.get(run.id)).toMatchObject({ state, handleMessage: message, triggerState: "PENDING", executorAddress: run.executorAddress, deadlineTime: 0, triggerReport: null });
    }
  });

  it("finishRuns keeps a trigger result recorded earlier and still writes the final state when the finish carries an acceptance", async () => {
    const { job } = await seedJob(getDb());
    const runs = await Promise.all([1, 2, 3].map(() => insertRun(getDb(), newRun(job))));
    const [accepted, failedTrigger, pending] = runs;
    if (accepted === undefined || failedTrigger === undefined || pending === undefined) throw new Error("runs not inserted");
    const earlier = acceptance("http://first:1", 1, 1);
    const refusal: TriggerOutcome = { triggerState: "FAILED", state: "PENDING", executorAddress: "http://gone:1", deadlineTime: 0, triggerReport: triggerReport({ replyCode: "unavailable", durationMs: 2 }) };
    await markRunsTriggered(getDb(), [{ id: accepted.id, outcome: earlier }, { id: failedTrigger.id, outcome: refusal }], 100);
    const late = acceptance("http://second:2", 2, 9);

    // One statement: the kept and the written acceptances are decided per row.
    const finished = await inTransaction(getDb(), (trx) =>
      finishRuns(trx, [
        { id: accepted.id, finish: finish("SUCCEEDED", "done", 500, late) },
        { id: failedTrigger.id, finish: finish("FAILED", "trigger failed", 600, acceptance("http://third:3", 3, 3)) },
        { id: pending.id, finish: finish("SUCCEEDED", "done too", 700, late) },
      ]),
    );

    expect(sorted(finished)).toEqual(sorted(runs.map((r) => r.id)));
    const stored = new Map((await getRuns(getDb(), runs.map((r) => r.id))).map((r) => [r.id, r]));
    expect(stored.get(accepted.id)).toMatchObject({
      state: "SUCCEEDED",
      handleMessage: "done",
      updateTime: 500,
      triggerState: "ACCEPTED",
      executorAddress: "http://first:1",
      deadlineTime: 1,
      triggerReport: earlier.triggerReport,
    });
    expect(stored.get(failedTrigger.id)).toMatchObject({
      state: "FAILED",
      handleMessage: "trigger failed",
      triggerState: "FAILED",
      executorAddress: "http://gone:1",
      deadlineTime: 0,
      triggerReport: refusal.triggerReport,
    });
    expect(stored.get(pending.id)).toMatchObject({ state: "SUCCEEDED", triggerState: "ACCEPTED", executorAddress: "http://second:2", deadlineTime: 2, triggerReport: late.triggerReport });
  });

  it("finishRuns neither changes nor reports a run that is final already, even when the finish carries an acceptance", async () => {
    const { job } = await seedJob(getDb());
    const [done, open] = await Promise.all([1, 2].map(() => insertRun(getDb(), newRun(job))));
    if (done === undefined || open === undefined) throw new Error("runs not inserted");
    await inTransaction(getDb(), (trx) => finishRuns(trx, [{ id: done.id, finish: finish("SUCCEEDED", "earlier", 50) }]));
    const before: Run | undefined = await getRun(getDb(), done.id);
    expect(before).toMatchObject({ state: "SUCCEEDED", triggerState: "PENDING" });

    const alone = await inTransaction(getDb(), (trx) => finishRuns(trx, [{ id: done.id, finish: finish("FAILED", "late", 90, acceptance("http://late:1", 9, 9)) }]));
    expect([...alone]).toEqual([]);
    const mixed = await inTransaction(getDb(), (trx) =>
      finishRuns(trx, [
        { id: done.id, finish: finish("FAILED", "late again", 95, acceptance("http://late:2", 9, 9)) },
        { id: open.id, finish: finish("SUCCEEDED", "ok", 100, acceptance("http://open:1", 10, 10)) },
      ]),
    );

    expect([...mixed]).toEqual([open.id]);
    expect(await getRun(getDb(), done.id)).toEqual(before);
    expect(await getRun(getDb(), open.id)).toMatchObject({ state: "SUCCEEDED", triggerState: "ACCEPTED", executorAddress: "http://open:1", deadlineTime: 10 });
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

  it("applyJobPlans refuses a plan for a job that is no longer RUNNING even when its next fire time matches, writing none of the plans", async () => {
    const { group } = await seedJob(getDb());
    const [running, stopped] = await Promise.all([1, 2].map((i) => insertJob(getDb(), newJob(group.id, { name: `guard ${i}` }), 1_000)));
    if (running === undefined || stopped === undefined) throw new Error("jobs not inserted");
    await getDb().updateTable("jw_job").set({ state: "RUNNING", next_fire_time: 40_000, last_fire_time: 30_000 }).where("id", "=", running.id).execute();
    // Stopped after the claim read it: the next fire time still matches the plan's expectation.
    await getDb().updateTable("jw_job").set({ state: "STOPPED", next_fire_time: 40_000, last_fire_time: 30_000 }).where("id", "=", stopped.id).execute();
    const before = await Promise.all([getJob(getDb(), running.id), getJob(getDb(), stopped.id)]);

    const plans = inTransaction(getDb(), (trx) =>
      applyJobPlans(
        trx,
        [
          { id: running.id, expectedNextFireTime: 40_000, schedule: { state: "RUNNING", nextFireTime: 50_000, lastFireTime: 40_000 } },
          { id: stopped.id, expectedNextFireTime: 40_000, schedule: { state: "RUNNING", nextFireTime: 50_000, lastFireTime: 40_000 } },
        ],
        70,
      ),
    );

    await expect(plans).rejects.toThrow(/1 of 2 claimed jobs changed under the claim/);
    expect(await Promise.all([getJob(getDb(), running.id), getJob(getDb(), stopped.id)])).toEqual(before);
  });

  it("applyJobPlans lets exactly one of several admins advance a job they claimed from the same reading", async () => {
    const { group } = await seedJob(getDb());
    const job = await insertJob(getDb(), newJob(group.id, { name: "raced plan" }), 1_000);
    await getDb().updateTable("jw_job").set({ state: "RUNNING", next_fire_time: 60_000, last_fire_time: 0 }).where("id", "=", job.id).execute();
    const plan = (next: number) => [{ id: job.id, expectedNextFireTime: 60_000, schedule: { state: "RUNNING" as const, nextFireTime: next, lastFireTime: 60_000 } }];

    const outcomes = await Promise.allSettled([61_000, 62_000, 63_000].map((next) => inTransaction(getDb(), (trx) => applyJobPlans(trx, plan(next), 80))));

    const won = outcomes.flatMap((outcome, i) => (outcome.status === "fulfilled" ? [61_000 + i * 1_000] : []));
    expect(won).toHaveLength(1);
    for (const outcome of outcomes) if (outcome.status === "rejected") expect(String(outcome.reason)).toMatch(/1 of 1 claimed jobs changed under the claim/);
    expect(await getJob(getDb(), job.id)).toMatchObject({ nextFireTime: won[0], lastFireTime: 60_000 });
  });
});
