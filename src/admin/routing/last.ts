import { chosen, type RouteInput, type RouteStrategyImpl } from "./route-strategy.js";

/** LAST: the last address of the sorted list. */
export function createLastStrategy(): RouteStrategyImpl {
  return { strategy: "LAST", route: ({ addresses }: RouteInput) => chosen(addresses[addresses.length - 1] ?? "") };
}
