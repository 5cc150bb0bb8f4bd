import { describe, expect, it } from "vitest";
import { Fifo } from "../../src/shared/fifo.js";

describe("Fifo", () => {
  it("gives items back oldest first, across compactions, and undefined when empty", () => {
    const fifo = new Fifo<number>();
    expect(fifo.shift()).toBeUndefined();
    const out: number[] = [];
    // Interleaved pushes and shifts over several compactions (every 1 024 consumed items at least).
    for (let i = 0; i < 5_000; i++) {
      fifo.push(i);
      fifo.push(i + 100_000);
      const item = fifo.shift();
      if (item !== undefined) out.push(item);
    }
    expect(fifo.length).toBe(5_000);
    for (let item = fifo.shift(); item !== undefined; item = fifo.shift()) out.push(item);
    expect(fifo.length).toBe(0);
    const expected: number[] = [];
    for (let i = 0; i < 5_000; i++) expected.push(i, i + 100_000);
    expect(out).toEqual(expected);
  });
});
