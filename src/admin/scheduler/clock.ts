/**
 * Time as the scheduler sees it. Production uses the wall clock and Node timers; tests pass a fake clock (or
 * vitest's fake timers) so that scheduling is tested without sleeping.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    const handle = setTimeout(callback, delayMs);
    // Timers never keep the process alive on their own; the servers do.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
