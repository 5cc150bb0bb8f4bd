import { chosen, DAY_MS, ExpiringJobState, type RouteInput, type RouteStrategyImpl } from "./route-strategy.js";

/**
 * LEAST_FREQUENTLY_USED: per job, the address picked the fewest times. New addresses start at a random count
 * below the number of addresses (as XXL-JOB does) so that a newly joined executor does not take every run until
 * it has caught up; addresses that left the list are forgotten.
 */
export function createLeastFrequentlyUsedStrategy(random: () => number = Math.random, now: () => number = Date.now): RouteStrategyImpl {
  const counts = new ExpiringJobState<Map<string, number>>(DAY_MS, now);
  return {
    strategy: "LEAST_FREQUENTLY_USED",
    route: ({ jobId, addresses }: RouteInput) => {
      const used = counts.get(jobId, () => new Map());
      for (const address of used.keys()) if (!addresses.includes(address)) used.delete(address);
      for (const address of addresses) {
        const count = used.get(address);
        if (count === undefined || count > 1_000_000) used.set(address, Math.floor(random() * addresses.length));
      }
      let best = addresses[0] ?? "";
      for (const address of addresses) if ((used.get(address) ?? 0) < (used.get(best) ?? 0)) best = address;
      used.set(best, (used.get(best) ?? 0) + 1);
      return chosen(best);
    },
  };
}
