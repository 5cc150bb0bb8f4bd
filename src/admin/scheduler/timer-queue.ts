import type { Clock } from "./clock.js";

interface Entry<T> {
  readonly at: number;
  readonly seq: number;
  readonly item: T;
}

/**
 * Releases items at their millisecond: a binary min-heap ordered by due time (ties in insertion order) with a
 * single timer armed for the earliest entry. XXL-JOB's 60-slot ring has one-second granularity; this has the
 * timer's. Insertion and removal are O(log n), so 10 000 fires a second cost little.
 */
export class TimerQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;
  private timer: unknown = undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (item: T, dueAt: number) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `item` for `at` (epoch ms); an instant in the past is released on the next tick. */
  add(at: number, item: T): void {
    if (this.stopped) return;
    this.push({ at, seq: this.seq++, item });
    if (at < this.armedFor) this.arm();
  }

  /** Removes and returns every pending item, e.g. to hand them back on shutdown. */
  drain(): T[] {
    const items = this.heap.map((e) => e.item);
    this.heap.length = 0;
    this.disarm();
    return items;
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private arm(): void {
    this.disarm();
    const first = this.heap[0];
    if (first === undefined || this.stopped) return;
    this.armedFor = first.at;
    this.timer = this.clock.setTimeout(() => this.release(), Math.max(0, first.at - this.clock.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private release(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    // Timers may fire a little early or late; release everything due by now in order, then re-arm.
    while (this.heap.length > 0 && (this.heap[0]?.at ?? Infinity) <= now) {
      const entry = this.pop();
      if (entry !== undefined) this.onDue(entry.item, entry.at);
    }
    this.arm();
  }

  private push(entry: Entry<T>): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  private pop(): Entry<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
        if (smallest === i) break;
        swap(heap, i, smallest);
        i = smallest;
      }
    }
    return top;
  }
}

function before<T>(a: Entry<T> | undefined, b: Entry<T> | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function swap<T>(heap: T[], i: number, j: number): void {
  const tmp = heap[i] as T;
  heap[i] = heap[j] as T;
  heap[j] = tmp;
}
