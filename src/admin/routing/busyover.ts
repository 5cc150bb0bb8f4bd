import type { RouteInput, RouteProbe, RouteStrategyImpl } from "./route-strategy.js";

/** BUSYOVER: the first address, in list order, whose `IdleBeat` says the job is idle there. */
export function createBusyoverStrategy(): RouteStrategyImpl {
  return {
    strategy: "BUSYOVER",
    route: async ({ jobId, addresses, prober }: RouteInput) => {
      const probes: RouteProbe[] = [];
      for (const address of addresses) {
        const probe = await prober.idleBeat(address, jobId);
        probes.push(probe);
        if (probe.ok) return { addresses: [address], probes };
      }
      return { addresses: [], probes, reason: "every executor is busy with this job" };
    },
  };
}
