import { timestampMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Run } from "../../../src/admin/domain/index.js";
import { getRun } from "../../../src/admin/persistence/index.js";
import { TIMEOUT_GRACE_MS } from "../../../src/admin/trigger/trigger-service.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startFakeExecutor, type FakeExecutor } from "../../helpers/fake-executor.js";
import { waitFor } from "../../helpers/wait-for.js";
import { adminNodesPerTest, runsOf, seedScheduledJob, T0, type AdminNode } from "./harness.js";

/**
 * How long an acceptance waits for its run's result past the run's start. The held acceptance's timer runs on real
 * time but compares with the node's fake clock, which these tests never move that far: an acceptance is stored only
 * with its run's result or when the scheduler stops, never because the linger ran out.
 */
const LINGER_MS = 5_000;

describeEachDatabase("Scheduler holding acceptances for the runs' results", (getDb, dialect) => {
  let executor: FakeExecutor;
  const node = adminNodesPerTest(getDb, LINGER_MS);

  beforeAll(async () => {
    // An executor that holds runs sent ahead of their instant (RunBatch with a start time).
    executor = await startFakeExecutor({ runBatch: true });
  });
  afterAll(async () => {
    await executor.stop();
  });

  /** Plans one fire at T0 + 1 s, lets the dispatch lead deliver it and waits until its acceptance is held. */
  async function heldRun(name: string): Promise<{ admin: AdminNode; run: Run }> {
    const { job } = await seedScheduledJob(getDb(), executor.url, { scheduleType: "FIX_RATE", scheduleConf: "60", name }, T0 + 1_000);
    const admin = node(`${name}-${dialect}`);
    expect(await admin.scheduler.tick()).toMatchObject({ firesPlanned: 1 });
    // The dispatch lead is 300 ms: at +700 ms the run is written and sent to the executor, to start at +1 s.
    admin.clock.advance(700);
    await waitFor("the executor's acceptance to be held", () => (admin.accepted.holding === 1 ? true : undefined));
    const [run, ...others] = await runsOf(getDb(), job.id);
    if (run === undefined) throw new Error("no run was written");
    expect(others).toEqual([]);
    expect(executor.runs.filter((r) => Number(r.runId) === run.id).map((r) => (r.startTime === undefined ? 0 : timestampMs(r.startTime)))).toEqual([T0 + 1_000]);
    // Accepted, but not stored yet: the row still shows the trigger as PENDING.
    expect(run).toMatchObject({ state: "PENDING", triggerState: "PENDING", triggerReport: null });
    return { admin, run };
  }

  it("stores a held run's acceptance with its result in one update when the result arrives within the linger", async () => {
    const { admin, run } = await heldRun("linger-result");

    // The run starts at +1 s on the executor and reports its result at +1.2 s, applied as the Callback RPC applies it.
    admin.clock.advance(500);
    const reported = await getRun(getDb(), run.id);
    if (reported === undefined) throw new Error("run vanished");
    const finished = await admin.finisher.finish([{ run: reported, outcome: { state: "SUCCEEDED", message: "done", retryable: true } }]);
    expect([...finished]).toEqual([run.id]);
    // The finisher took the held acceptance rather than leaving it to be written on its own.
    expect(admin.accepted.holding).toBe(0);
    // The dispatch waited for its acceptance to be stored: it is, with the result.
    await admin.scheduler.idle();

    const stored = await getRun(getDb(), run.id);
    expect(stored).toMatchObject({
      state: "SUCCEEDED",
      handleMessage: "done",
      handleTime: T0 + 1_200,
      triggerState: "ACCEPTED",
      executorAddress: executor.url,
      deadlineTime: T0 + 1_000 + 600_000 + TIMEOUT_GRACE_MS,
    });
    expect(stored?.triggerReport).toMatchObject({ adminNode: admin.nodeId, chosenAddress: executor.url, addresses: [executor.url], replyCode: "ok", replyMessage: "accepted" });
  });

  it("stores a held acceptance when the scheduler stops, without waiting for the run's result or the linger", async () => {
    const { admin, run } = await heldRun("linger-stop");

    await admin.scheduler.stop();

    expect(admin.accepted.holding).toBe(0);
    const stored = await getRun(getDb(), run.id);
    expect(stored).toMatchObject({ state: "RUNNING", triggerState: "ACCEPTED", executorAddress: executor.url, deadlineTime: T0 + 1_000 + 600_000 + TIMEOUT_GRACE_MS });
    expect(stored?.triggerReport).toMatchObject({ adminNode: admin.nodeId, chosenAddress: executor.url, replyCode: "ok" });
    // The result still finishes the run afterwards, keeping the stored acceptance.
    const finished = await admin.finisher.finish([{ run: stored ?? run, outcome: { state: "SUCCEEDED", message: "later", retryable: true } }]);
    expect([...finished]).toEqual([run.id]);
    expect(await getRun(getDb(), run.id)).toMatchObject({ state: "SUCCEEDED", triggerState: "ACCEPTED", executorAddress: executor.url });
  });
});
