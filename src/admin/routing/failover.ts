import type { RouteInput, RouteProbe, RouteStrategyImpl } from "./route-strategy.js";

/** FAILOVER: the first address, in list order, whose `Beat` succeeds. Every probe goes into the trigger report. */
export function createFailoverStrategy(): RouteStrategyImpl {
  return {
    strategy: "FAILOVER",
    route: async ({ addresses, prober }: RouteInput) => {
      const probes: RouteProbe[] = [];
      for (const address of addresses) {
        const probe = await prober.beat(address);
        probes.push(probe);
        if (probe.ok) return { addresses: [address], probes };
      }
      return { addresses: [], probes, reason: "no executor answered Beat" };
    },
  };
}
