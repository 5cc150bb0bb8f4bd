import { chosen, type RouteInput, type RouteStrategyImpl } from "./route-strategy.js";

/** FIRST: the first address of the sorted list, i.e. the lexicographically smallest. */
export function createFirstStrategy(): RouteStrategyImpl {
  return { strategy: "FIRST", route: ({ addresses }: RouteInput) => chosen(addresses[0] ?? "") };
}
