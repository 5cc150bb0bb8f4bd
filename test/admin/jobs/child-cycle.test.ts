import { describe, expect, it } from "vitest";
import { findChildCycle } from "../../../src/admin/jobs/child-cycle.js";

/** A job graph as child lists. */
const graph = (edges: Record<number, number[]>) => (id: number) => Promise.resolve(edges[id]);

describe("findChildCycle()", () => {
  it("finds the path back to the job through its new children", async () => {
    // 1 → 2 → 3 exists; giving 3 the child 1 closes 3 → 1 → 2 → 3.
    expect(await findChildCycle(3, [1], graph({ 1: [2], 2: [3], 3: [] }))).toEqual([3, 1, 2, 3]);
  });

  it("accepts a diamond, which has no cycle", async () => {
    expect(await findChildCycle(1, [2, 3], graph({ 2: [4], 3: [4], 4: [] }))).toBeUndefined();
  });

  it("terminates on a cycle elsewhere in the graph that does not involve the job", async () => {
    expect(await findChildCycle(9, [1], graph({ 1: [2], 2: [1] }))).toBeUndefined();
  });

  it("treats a missing job as having no children", async () => {
    expect(await findChildCycle(1, [42], graph({}))).toBeUndefined();
  });
});
