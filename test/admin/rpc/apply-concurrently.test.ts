import { describe, expect, it } from "vitest";
import { applyConcurrently } from "../../../src/admin/rpc/apply-concurrently.js";

async function* numbers(count: number, failAt?: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) {
    // Items arrive one turn apart, as messages of a stream do.
    await Promise.resolve();
    if (i === failAt) throw new Error(`source broke at ${i}`);
    yield i;
  }
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe("applyConcurrently", () => {
  it("applies every item, at most `limit` at once, and yields each output as it finishes", async () => {
    let active = 0;
    let peak = 0;
    const outputs = await collect(
      applyConcurrently(
        numbers(20),
        async (n) => {
          active++;
          peak = Math.max(peak, active);
          // Later items finish sooner, so completion order differs from input order.
          await new Promise((resolve) => setTimeout(resolve, 20 - n));
          active--;
          return n * 10;
        },
        4,
      ),
    );
    expect(peak).toBe(4);
    expect([...outputs].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(outputs).not.toEqual([...outputs].sort((a, b) => a - b));
  });

  it("ends with an application's error once the applications already running have settled", async () => {
    const settled: number[] = [];
    const run = collect(
      applyConcurrently(
        numbers(10),
        async (n) => {
          await new Promise((resolve) => setTimeout(resolve, n === 1 ? 1 : 30));
          settled.push(n);
          if (n === 1) throw new Error("batch 1 failed");
          return n;
        },
        3,
      ),
    );
    await expect(run).rejects.toThrow("batch 1 failed");
    // 0 and 2 were running with 1: they finished before the error surfaced; nothing after them started.
    expect([...settled].sort((a, b) => a - b)).toEqual([0, 1, 2]);
  });

  it("ends with the source's error after yielding what was applied before it", async () => {
    const outputs: number[] = [];
    const run = (async () => {
      for await (const output of applyConcurrently(numbers(5, 3), (n) => Promise.resolve(n), 2)) outputs.push(output);
    })();
    await expect(run).rejects.toThrow("source broke at 3");
    expect([...outputs].sort()).toEqual([0, 1, 2]);
  });
});
