import type { RouteInput, RouteStrategyImpl } from "./route-strategy.js";

/** SHARDING_BROADCAST: every address; the pipeline makes one run per address, shard i of n in list order. */
export function createShardingBroadcastStrategy(): RouteStrategyImpl {
  return { strategy: "SHARDING_BROADCAST", route: ({ addresses }: RouteInput) => ({ addresses: [...addresses], probes: [] }) };
}
