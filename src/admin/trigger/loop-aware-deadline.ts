/**
 * A call deadline that does not fire for an answer that has already arrived. When the admin's event loop was busy
 * (a long synchronous SQLite transaction, a garbage collection), Node runs expired timers before it reads the
 * sockets, so a plain timer reports a timeout for a call whose answer is sitting in the buffer, and the run is
 * failed and retried although the executor took it. Expiring one `setImmediate` later lets the loop read pending
 * I/O first.
 */
export class LoopAwareDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private immediate: NodeJS.Immediate | undefined;
  private fired = false;

  constructor(timeoutMs: number) {
    this.timer = setTimeout(() => {
      this.immediate = setImmediate(() => {
        this.fired = true;
        this.controller.abort();
      });
    }, timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.fired;
  }

  clear(): void {
    clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
  }
}
