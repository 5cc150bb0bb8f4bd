import { chosen, DAY_MS, ExpiringJobState, type RouteInput, type RouteStrategyImpl } from "./route-strategy.js";

/**
 * LEAST_RECENTLY_USED: per job, the address whose last pick is oldest (never-used addresses first, in list order).
 * A JavaScript Map keeps insertion order, so re-inserting a picked address moves it to the back.
 */
export function createLeastRecentlyUsedStrategy(now: () => number = Date.now): RouteStrategyImpl {
  const orders = new ExpiringJobState<Map<string, true>>(DAY_MS, now);
  return {
    strategy: "LEAST_RECENTLY_USED",
    route: ({ jobId, addresses }: RouteInput) => {
      const order = orders.get(jobId, () => new Map());
      for (const address of order.keys()) if (!addresses.includes(address)) order.delete(address);
      const fresh = addresses.filter((address) => !order.has(address));
      const pick = fresh[0] ?? order.keys().next().value ?? addresses[0] ?? "";
      order.delete(pick);
      order.set(pick, true);
      return chosen(pick);
    },
  };
}
