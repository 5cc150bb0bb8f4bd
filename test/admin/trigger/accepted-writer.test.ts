import { afterEach, expect, it } from "vitest";
import type { Run } from "../../../src/admin/domain/index.js";
import { finishRuns, getRun, inTransaction, insertRun, type TriggerOutcome } from "../../../src/admin/persistence/index.js";
import { RunFinisher } from "../../../src/admin/scheduler/run-finisher.js";
import { AcceptedWriter } from "../../../src/admin/trigger/accepted-writer.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { waitFor } from "../../helpers/wait-for.js";
import { newRun, seedJob, triggerReport } from "../persistence/fixtures.js";

/** An admin time far from the real one: held acceptances are released only when the test moves it. */
const START = 1_800_000_000_000;

function acceptance(address: string, deadlineTime = START + 600_000): TriggerOutcome {
  return { triggerState: "ACCEPTED", state: "RUNNING", executorAddress: address, deadlineTime, triggerReport: triggerReport({ chosenAddress: address, addresses: [address] }) };
}

/** Tracks whether a promise has settled, without awaiting it. */
function track(promise: Promise<void>): { readonly settled: () => boolean; readonly promise: Promise<void> } {
  let settled = false;
  const tracked = promise.then(
    () => {
      settled = true;
    },
    (error: unknown) => {
      settled = true;
      throw error;
    },
  );
  return { settled: () => settled, promise: tracked };
}

describeEachDatabase("AcceptedWriter", (getDb) => {
  /** Writers made by a test; each is flushed afterwards so that no held acceptance or timer outlives it. */
  const writers: AcceptedWriter[] = [];
  const writer = (now: () => number, lingerMs: number): AcceptedWriter => {
    const made = new AcceptedWriter(getDb(), { now, lingerMs });
    writers.push(made);
    return made;
  };
  afterEach(async () => {
    for (const made of writers.splice(0)) {
      made.flushHeld();
      // Submitted in the same turn as the flushed ones, so it shares their batch: once it is done, so are they.
      // (No run has id 0: the write changes nothing.)
      await made.write(0, acceptance("http://nowhere:1"), START);
    }
  });

  async function seedRuns(count: number): Promise<Run[]> {
    const { job } = await seedJob(getDb());
    const runs: Run[] = [];
    for (let i = 0; i < count; i++) runs.push(await insertRun(getDb(), newRun(job, { scheduledTime: START, triggerTime: START })));
    return runs;
  }

  async function stored(run: Run): Promise<Run> {
    const row = await getRun(getDb(), run.id);
    if (row === undefined) throw new Error(`run ${run.id} is gone`);
    return row;
  }

  it("writes an acceptance without a start instant at once", async () => {
    const [run] = await seedRuns(1);
    if (run === undefined) throw new Error("no run");
    const accepted = writer(() => START, 5_000);
    const outcome = acceptance("http://10.0.0.5:9999");

    await accepted.write(run.id, outcome, START + 3);

    expect(accepted.holding).toBe(0);
    expect(await stored(run)).toMatchObject({ ...outcome, updateTime: START + 3 });
  });

  it("writes an acceptance with a start instant at once when the linger is 0", async () => {
    const [run] = await seedRuns(1);
    if (run === undefined) throw new Error("no run");
    const accepted = writer(() => START, 0);
    const outcome = acceptance("http://10.0.0.5:9999");

    const written = accepted.write(run.id, outcome, START, START + 60_000);
    expect(accepted.holding).toBe(0);
    await written;

    expect(await stored(run)).toMatchObject({ ...outcome, updateTime: START });
  });

  it("holds an acceptance of a run that starts later until the linger past its start, then writes it", async () => {
    const [held, other] = await seedRuns(2);
    if (held === undefined || other === undefined) throw new Error("no runs");
    let now = START;
    const accepted = writer(() => now, 50);
    const outcome = acceptance("http://10.0.0.6:9999");

    // Due at START + 100 + 50; the admin's clock stays before that until the test moves it.
    const write = track(accepted.write(held.id, outcome, START, START + 100));
    expect(accepted.holding).toBe(1);
    // An acceptance written at once goes through the same batches: once it is stored, the held one is still not.
    await accepted.write(other.id, acceptance("http://10.0.0.7:9999"), START);
    expect(await stored(other)).toMatchObject({ triggerState: "ACCEPTED" });
    expect(await stored(held)).toMatchObject({ triggerState: "PENDING", state: "PENDING", triggerReport: null });
    expect(write.settled()).toBe(false);

    now = START + 149;
    await accepted.write(other.id, acceptance("http://10.0.0.7:9999"), now);
    expect(accepted.holding).toBe(1);
    expect(await stored(held)).toMatchObject({ triggerState: "PENDING" });

    now = START + 150;
    await write.promise;
    expect(accepted.holding).toBe(0);
    expect(await stored(held)).toMatchObject({ ...outcome, updateTime: START });
  });

  it("holds an acceptance that arrives after its run's start for the linger past the acceptance", async () => {
    const [run] = await seedRuns(1);
    if (run === undefined) throw new Error("no run");
    let now = START + 1_000;
    const accepted = writer(() => now, 50);

    // Started at START, accepted at START + 1 000: due at START + 1 050, not at START + 50.
    const write = track(accepted.write(run.id, acceptance("http://10.0.0.6:9999"), now, START));
    expect(accepted.holding).toBe(1);
    // Had it been due at START + 50, its timer (0 ms from now) would have fired before this one, and its write
    // would have been batched before the write awaited next.
    await new Promise((resolve) => setTimeout(resolve, 1));
    const [other] = await seedRuns(1);
    if (other === undefined) throw new Error("no run");
    await accepted.write(other.id, acceptance("http://10.0.0.7:9999"), now);
    expect(accepted.holding).toBe(1);
    expect(await stored(run)).toMatchObject({ triggerState: "PENDING" });
    expect(write.settled()).toBe(false);

    now = START + 1_050;
    await write.promise;
    expect(await stored(run)).toMatchObject({ triggerState: "ACCEPTED", state: "RUNNING", updateTime: START + 1_000 });
  });

  it("writes a held acceptance on its own once the real time is up (now = Date.now)", async () => {
    const [run] = await seedRuns(1);
    if (run === undefined) throw new Error("no run");
    const accepted = writer(Date.now, 50);
    const outcome = acceptance("http://10.0.0.9:9999");
    const at = Date.now();

    const write = accepted.write(run.id, outcome, at, at + 20);
    expect(accepted.holding).toBe(1);
    const row = await waitFor("the held acceptance to be written", async () => {
      const current = await stored(run);
      return current.triggerState === "ACCEPTED" ? current : undefined;
    });
    await write;

    expect(row).toMatchObject({ ...outcome, updateTime: at });
    expect(accepted.holding).toBe(0);
  });

  it("hands held acceptances to the finisher: settled as written, they resolve without a write of their own", async () => {
    const [run] = await seedRuns(1);
    if (run === undefined) throw new Error("no run");
    const accepted = writer(() => START, 5_000);
    const outcome = acceptance("http://10.0.0.5:9999");
    const write = track(accepted.write(run.id, outcome, START, START + 1_000));

    const taken = accepted.take([run.id, run.id + 1_000_000]);

    expect([...taken.outcomes]).toEqual([[run.id, outcome]]);
    expect(accepted.holding).toBe(0);
    // Taken but not settled yet: the finisher's transaction is still running.
    expect(write.settled()).toBe(false);
    taken.settle(new Set([run.id]));
    await write.promise;
    // Nothing of it is queued either: a later write's batch commits and the row is still untouched.
    const [other] = await seedRuns(1);
    if (other === undefined) throw new Error("no run");
    await accepted.write(other.id, acceptance("http://10.0.0.8:9999"), START);
    expect(await stored(run)).toMatchObject({ triggerState: "PENDING", state: "PENDING", executorAddress: run.executorAddress, triggerReport: null });
  });

  it("writes a taken acceptance the finisher did not write when it is settled", async () => {
    const [run] = await seedRuns(1);
    if (run === undefined) throw new Error("no run");
    const accepted = writer(() => START, 5_000);
    const outcome = acceptance("http://10.0.0.5:9999");
    const write = accepted.write(run.id, outcome, START + 10, START + 1_000);

    const taken = accepted.take([run.id]);
    expect(accepted.holding).toBe(0);
    taken.settle(new Set());
    await write;

    expect(await stored(run)).toMatchObject({ ...outcome, updateTime: START + 10 });
  });

  it("takes nothing for runs whose acceptance it does not hold", async () => {
    const [held] = await seedRuns(1);
    if (held === undefined) throw new Error("no run");
    const accepted = writer(() => START, 5_000);
    const write = track(accepted.write(held.id, acceptance("http://10.0.0.5:9999"), START, START + 1_000));

    const taken = accepted.take([held.id + 1_000_000]);
    taken.settle(new Set());

    expect(taken.outcomes.size).toBe(0);
    expect(accepted.holding).toBe(1);
    expect(write.settled()).toBe(false);
  });

  it("flushHeld writes every held acceptance at once and holds none afterwards until resumeHolding", async () => {
    const [first, second, afterFlush, afterResume] = await seedRuns(4);
    if (first === undefined || second === undefined || afterFlush === undefined || afterResume === undefined) throw new Error("no runs");
    const accepted = writer(() => START, 5_000);
    const writes = [
      accepted.write(first.id, acceptance("http://10.0.0.1:9999"), START, START + 60_000),
      accepted.write(second.id, acceptance("http://10.0.0.2:9999"), START, START + 120_000),
    ];
    expect(accepted.holding).toBe(2);

    accepted.flushHeld();
    expect(accepted.holding).toBe(0);
    await Promise.all(writes);
    expect(await stored(first)).toMatchObject({ triggerState: "ACCEPTED", executorAddress: "http://10.0.0.1:9999" });
    expect(await stored(second)).toMatchObject({ triggerState: "ACCEPTED", executorAddress: "http://10.0.0.2:9999" });

    // Not holding: an acceptance with a start instant is written at once.
    const direct = accepted.write(afterFlush.id, acceptance("http://10.0.0.3:9999"), START, START + 60_000);
    expect(accepted.holding).toBe(0);
    await direct;
    expect(await stored(afterFlush)).toMatchObject({ triggerState: "ACCEPTED", executorAddress: "http://10.0.0.3:9999" });

    accepted.resumeHolding();
    const heldAgain = track(accepted.write(afterResume.id, acceptance("http://10.0.0.4:9999"), START, START + 60_000));
    expect(accepted.holding).toBe(1);
    await accepted.write(first.id, acceptance("http://10.0.0.1:9999"), START);
    expect(await stored(afterResume)).toMatchObject({ triggerState: "PENDING" });
    expect(heldAgain.settled()).toBe(false);
    accepted.flushHeld();
    await heldAgain.promise;
    expect(await stored(afterResume)).toMatchObject({ triggerState: "ACCEPTED", executorAddress: "http://10.0.0.4:9999" });
  });

  it("lets the run finisher write a held acceptance together with the run's result", async () => {
    const [run] = await seedRuns(1);
    if (run === undefined) throw new Error("no run");
    const now = START + 2_000;
    const accepted = writer(() => now, 5_000);
    const finisher = new RunFinisher({ db: getDb(), now: () => now, reportTimeZone: "UTC", logger: silentLogger, random: () => 0.5, acceptances: accepted });
    const outcome = acceptance("http://10.0.0.42:9999", START + 700_000);
    const write = track(accepted.write(run.id, outcome, START + 500, START + 1_000));
    expect(accepted.holding).toBe(1);

    const finished = await finisher.finish([{ run, outcome: { state: "SUCCEEDED", message: "done", retryable: true } }]);

    expect([...finished]).toEqual([run.id]);
    await write.promise;
    expect(accepted.holding).toBe(0);
    expect(await stored(run)).toMatchObject({
      state: "SUCCEEDED",
      handleMessage: "done",
      handleTime: now,
      updateTime: now,
      triggerState: "ACCEPTED",
      executorAddress: "http://10.0.0.42:9999",
      deadlineTime: START + 700_000,
      triggerReport: outcome.triggerReport,
    });
  });

  it("writes a held acceptance on its own when the finisher finds its run final already", async () => {
    const [run] = await seedRuns(1);
    if (run === undefined) throw new Error("no run");
    const now = START + 2_000;
    const accepted = writer(() => now, 5_000);
    const finisher = new RunFinisher({ db: getDb(), now: () => now, reportTimeZone: "UTC", logger: silentLogger, random: () => 0.5, acceptances: accepted });
    await inTransaction(getDb(), (trx) => finishRuns(trx, [{ id: run.id, finish: { state: "KILLED", handleMessage: "killed", handleTime: START + 1_500, retryable: false, alarmState: "SKIPPED" } }]));
    const outcome = acceptance("http://10.0.0.43:9999");
    const write = accepted.write(run.id, outcome, START + 500, START + 1_000);

    const finished = await finisher.finish([{ run, outcome: { state: "SUCCEEDED", message: "late", retryable: true } }]);

    expect(finished.size).toBe(0);
    await write;
    expect(accepted.holding).toBe(0);
    // The result stays as it was; the acceptance is stored over the PENDING trigger.
    expect(await stored(run)).toMatchObject({ state: "KILLED", handleMessage: "killed", triggerState: "ACCEPTED", executorAddress: "http://10.0.0.43:9999", triggerReport: outcome.triggerReport });
  });
});
