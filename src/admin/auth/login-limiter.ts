/**
 * Counts failed logins per key (a username, a client address) in a sliding window and blocks a key after too
 * many. It lives in memory: with several admins behind a balancer the effective limit is per admin, which still
 * bounds guessing to a handful of attempts per minute per node.
 */
export interface LoginLimiterOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
}

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: LoginLimiterOptions = { maxFailures: 5, windowMs: 5 * 60_000 }) {}

  /** Milliseconds until the key may try again, or 0 when it may try now. */
  retryAfterMs(key: string, now: number): number {
    const recent = this.recent(key, now);
    if (recent.length < this.options.maxFailures) return 0;
    return (recent[0] ?? now) + this.options.windowMs - now;
  }

  recordFailure(key: string, now: number): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.set(key, recent);
    if (this.failures.size > 100_000) this.prune(now);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - this.options.windowMs);
  }

  private prune(now: number): void {
    for (const [key, times] of this.failures) {
      if (times.every((t) => t <= now - this.options.windowMs)) this.failures.delete(key);
    }
  }
}
