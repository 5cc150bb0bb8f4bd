import { Fifo } from "./fifo.js";

/**
 * Runs at most `limit` tasks at once; the others wait in arrival order. Nothing is dropped: every task submitted
 * runs eventually.
 */
export class ConcurrencyLimit {
  private active = 0;
  /** A burst queues thousands of tasks here: O(1) shift matters. */
  private readonly waiting = new Fifo<() => void>();

  constructor(private readonly limit: number) {}

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same) or free it.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }
}
