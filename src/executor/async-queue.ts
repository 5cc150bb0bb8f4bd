/**
 * An unbounded push queue read as an async iterable: the request side of a client bidi stream. Writers push
 * whenever they have something; the transport pulls at its own pace. `end()` half-closes the stream. Items still
 * queued at `end()` are discarded; whoever pushed them keeps its own record of what was acknowledged.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((result: IteratorResult<T, undefined>) => void) | undefined;
  private ended = false;

  get isEnded(): boolean {
    return this.ended;
  }

  /** Queues an item; returns false (and drops it) once the queue has ended. */
  push(item: T): boolean {
    if (this.ended) return false;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter({ value: item, done: false });
    } else {
      this.items.push(item);
    }
    return true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.items.length = 0;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiter = resolve;
        });
      },
      // The transport calls return() or throw() when the stream is torn down (connect requires both to exist);
      // nothing pushed later could be sent, so the queue ends.
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      throw: (error: unknown) => {
        this.end();
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      },
    };
  }
}
