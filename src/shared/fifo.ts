/**
 * A first-in first-out queue with O(1) `push` and `shift`. `Array.prototype.shift` moves every remaining element,
 * so a queue that holds many thousand waiters (a burst of dispatches waiting for a trigger slot, results waiting
 * for the callback stream) costs O(n²) drained that way; here the head is an index and the array is compacted
 * only once the consumed part is at least half of it.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head >= 1_024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
