/**
 * Delay before reconnect attempt number `failures` (0 after a healthy connection): exponential from
 * `initialMs`, capped at `maxMs`, and jittered over the upper half of that ceiling, so that executors that lost
 * the same admin at the same moment do not all come back in lockstep. `random` is injectable for tests.
 */
export function reconnectDelay(failures: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(0, failures), 30));
  return ceiling / 2 + random() * (ceiling / 2);
}
