import type { RouteStrategy } from "../domain/index.js";
import { createBusyoverStrategy } from "./busyover.js";
import { createConsistentHashStrategy } from "./consistent-hash.js";
import { createFailoverStrategy } from "./failover.js";
import { createFirstStrategy } from "./first.js";
import { createLastStrategy } from "./last.js";
import { createLeastFrequentlyUsedStrategy } from "./least-frequently-used.js";
import { createLeastRecentlyUsedStrategy } from "./least-recently-used.js";
import { createRandomStrategy } from "./random.js";
import { createRoundStrategy } from "./round.js";
import type { RouteStrategyImpl } from "./route-strategy.js";
import { createShardingBroadcastStrategy } from "./sharding-broadcast.js";

export type { Prober, RouteDecision, RouteInput, RouteProbe, RouteStrategyImpl } from "./route-strategy.js";

/** One instance of every route strategy, by name; an admin keeps one set for its lifetime. */
export function createRouteStrategies(): ReadonlyMap<RouteStrategy, RouteStrategyImpl> {
  const strategies: Record<RouteStrategy, RouteStrategyImpl> = {
    FIRST: createFirstStrategy(),
    LAST: createLastStrategy(),
    ROUND: createRoundStrategy(),
    RANDOM: createRandomStrategy(),
    CONSISTENT_HASH: createConsistentHashStrategy(),
    LEAST_FREQUENTLY_USED: createLeastFrequentlyUsedStrategy(),
    LEAST_RECENTLY_USED: createLeastRecentlyUsedStrategy(),
    FAILOVER: createFailoverStrategy(),
    BUSYOVER: createBusyoverStrategy(),
    SHARDING_BROADCAST: createShardingBroadcastStrategy(),
  };
  return new Map(Object.entries(strategies) as [RouteStrategy, RouteStrategyImpl][]);
}
