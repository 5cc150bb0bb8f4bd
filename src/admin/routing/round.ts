import { chosen, DAY_MS, ExpiringJobState, type RouteInput, type RouteStrategyImpl } from "./route-strategy.js";

/**
 * ROUND: round robin per job. Like XXL-JOB, each job's counter starts at a random offset (so that many admins or a
 * restart do not all start at the first address) and the state is dropped daily.
 */
export function createRoundStrategy(random: () => number = Math.random, now: () => number = Date.now): RouteStrategyImpl {
  const counters = new ExpiringJobState<{ value: number }>(DAY_MS, now);
  return {
    strategy: "ROUND",
    route: ({ jobId, addresses }: RouteInput) => {
      const counter = counters.get(jobId, () => ({ value: Math.floor(random() * 100) }));
      const index = counter.value % addresses.length;
      counter.value = counter.value >= 1_000_000 ? 0 : counter.value + 1;
      return chosen(addresses[index] ?? "");
    },
  };
}
