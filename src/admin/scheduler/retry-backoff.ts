import type { RetryPolicy } from "../domain/index.js";

/**
 * The wait before retry number `attempt + 1` of a failed run (`attempt` is the failed run's attempt, 0 for the
 * first). FIXED waits `intervalMs` every time. EXPONENTIAL doubles from `intervalMs` up to `maxIntervalMs` and
 * takes a random point in the upper half of that wait ("equal jitter"), so that the retries of many runs that
 * failed together (an executor restart) do not all land at the same instant, while each still waits at least
 * half its nominal time.
 */
export function retryDelayMs(policy: Pick<RetryPolicy, "backoff" | "intervalMs" | "maxIntervalMs">, attempt: number, random: () => number = Math.random): number {
  const base = Math.max(0, policy.intervalMs);
  if (policy.backoff === "FIXED") return base;
  const cap = Math.max(base, policy.maxIntervalMs);
  // 2^attempt overflows to Infinity for huge attempts; min() with the cap keeps the result finite.
  const nominal = Math.min(cap, base * 2 ** Math.max(0, attempt));
  const half = nominal / 2;
  return Math.round(half + random() * half);
}
