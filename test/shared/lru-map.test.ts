import { describe, expect, it } from "vitest";
import { LruMap } from "../../src/shared/lru-map.js";

describe("LruMap", () => {
  it("forgets the least recently used entry past its capacity; reading or writing an entry makes it the most recent", () => {
    const map = new LruMap<string, number>(3);
    map.set("a", 1);
    map.set("b", 2);
    map.set("c", 3);
    expect(map.get("a")).toBe(1);
    map.set("b", 20);
    // "c" is now the least recently used.
    map.set("d", 4);
    expect(map.size).toBe(3);
    expect([map.get("c"), map.get("a"), map.get("b"), map.get("d")]).toEqual([undefined, 1, 20, 4]);
  });

  it("takes an entry out, and a missing key changes nothing", () => {
    const map = new LruMap<number, string>(2);
    map.set(1, "one");
    expect(map.take(1)).toBe("one");
    expect(map.take(1)).toBeUndefined();
    expect(map.get(2)).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it("returns the entry a set pushed out, and clears every entry", () => {
    const map = new LruMap<string, number>(2);
    expect(map.set("a", 1)).toBeUndefined();
    expect(map.set("b", 2)).toBeUndefined();
    expect(map.set("a", 10)).toBeUndefined();
    expect(map.set("c", 3)).toEqual(["b", 2]);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get("a")).toBeUndefined();
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new LruMap(0)).toThrow("capacity must be a positive integer, got 0");
    expect(() => new LruMap(2.5)).toThrow(RangeError);
  });
});
