import { describe, expect, it } from "vitest";
import { isPacked, packRows, packValues, unpackRows, unpackValues } from "../../../src/admin/persistence/sqlite-thread-values.js";

describe("packValues / unpackValues", () => {
  it("gives back numbers, strings, nulls and bigints in order, whatever the strings hold", () => {
    const values = [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 1.5, 1_764_170_000_000, "", "plain", "日本語 ✓ 🎉", "a\u0000b", null, 123n, -(2n ** 63n), "after"];
    const packed = packValues(values);
    expect(packed).toBeDefined();
    expect(unpackValues(packed as NonNullable<typeof packed>)).toEqual(values);
  });

  it("packs an empty list and a frozen one (Kysely freezes its parameters)", () => {
    expect(unpackValues(packValues([]) as NonNullable<ReturnType<typeof packValues>>)).toEqual([]);
    const frozen = Object.freeze([1, "two", null]);
    expect(unpackValues(packValues(frozen) as NonNullable<ReturnType<typeof packValues>>)).toEqual([1, "two", null]);
  });

  it.each([
    ["a Buffer", Buffer.from("x")],
    ["a boolean", true],
    ["undefined", undefined],
    ["a Date", new Date(0)],
  ])("does not pack a list holding %s (it goes as it is)", (_name, odd) => {
    expect(packValues([1, odd, "x"])).toBeUndefined();
  });
});

describe("packRows / unpackRows", () => {
  it("gives back rows as objects keyed by column", () => {
    const packed = packRows(["id", "name", "note"], [
      [1, "a", null],
      [2, "b", "ü"],
    ]);
    expect(isPacked(packed.cells)).toBe(true);
    expect(unpackRows(packed)).toEqual([
      { id: 1, name: "a", note: null },
      { id: 2, name: "b", note: "ü" },
    ]);
  });

  it("keeps the last value of a repeated column name, as SQLite's row objects do", () => {
    expect(unpackRows(packRows(["id", "id"], [[1, 2]]))).toEqual([{ id: 2 }]);
  });

  it("sends rows with a cell it cannot pack as they are, with the same result", () => {
    const blob = Buffer.from([1, 2, 3]);
    const packed = packRows(["id", "data"], [[7, blob]]);
    expect(isPacked(packed.cells)).toBe(false);
    expect(unpackRows(packed)).toEqual([{ id: 7, data: blob }]);
  });

  it("gives no rows for none", () => {
    expect(unpackRows(packRows(["id"], []))).toEqual([]);
  });
});
