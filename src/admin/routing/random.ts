import { chosen, type RouteInput, type RouteStrategyImpl } from "./route-strategy.js";

/** RANDOM: a uniformly random address. `random` is injectable so tests can pin it. */
export function createRandomStrategy(random: () => number = Math.random): RouteStrategyImpl {
  return {
    strategy: "RANDOM",
    route: ({ addresses }: RouteInput) => chosen(addresses[Math.min(addresses.length - 1, Math.floor(random() * addresses.length))] ?? ""),
  };
}
