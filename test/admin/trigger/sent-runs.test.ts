import { describe, expect, it } from "vitest";
import type { FinishingRun } from "../../../src/admin/persistence/index.js";
import { SentRuns } from "../../../src/admin/trigger/sent-runs.js";

function run(id: number): FinishingRun {
  return { id, jobId: 1, groupId: 2, triggerType: "SCHEDULE", scheduledTime: 1_000 * id, triggerTime: 1_000 * id, retriesLeft: 0, attempt: 0, shardTotal: 1, batchId: id };
}

describe("SentRuns", () => {
  it("hands out the remembered runs among the ids asked for, once each", () => {
    const sent = new SentRuns();
    sent.remember(run(1));
    sent.remember(run(2));
    sent.remember(run(3));
    const taken = sent.take([3, 1, 99]);
    expect([...taken.keys()]).toEqual([3, 1]);
    expect(taken.get(3)).toEqual(run(3));
    expect(sent.take([1, 3]).size).toBe(0);
    expect(sent.size).toBe(1);
  });

  it("forgets the longest-remembered run past its capacity; a run sent again counts as new", () => {
    const sent = new SentRuns(3);
    for (const id of [1, 2, 3]) sent.remember(run(id));
    // Run 1 is sent again (at its instant, to an executor that could not hold it), so 2 is now the oldest.
    sent.remember(run(1));
    sent.remember(run(4));
    expect(sent.size).toBe(3);
    expect([...sent.take([1, 2, 3, 4]).keys()]).toEqual([1, 3, 4]);
  });
});
