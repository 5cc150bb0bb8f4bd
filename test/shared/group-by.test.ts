import { describe, expect, it } from "vitest";
import { groupBy } from "../../src/shared/group-by.js";

describe("groupBy", () => {
  it("keeps the order of the groups' first items and of the items within each group", () => {
    const groups = groupBy(["b1", "a1", "b2", "c1", "a2"], (item) => item[0]);
    expect([...groups]).toEqual([
      ["b", ["b1", "b2"]],
      ["a", ["a1", "a2"]],
      ["c", ["c1"]],
    ]);
  });

  it("gives no groups for no items", () => {
    expect(groupBy([], () => 1).size).toBe(0);
  });
});
