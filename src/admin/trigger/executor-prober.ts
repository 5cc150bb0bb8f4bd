import { ConnectError } from "@connectrpc/connect";
import type { Prober, RouteProbe } from "../routing/index.js";
import type { ExecutorClients, GroupCredentials } from "./executor-clients.js";

/** Backs FAILOVER and BUSYOVER probes with real `Beat` and `IdleBeat` calls carrying the group's credentials. */
export function createExecutorProber(executors: ExecutorClients, credentials: GroupCredentials, timeoutMs: number): Prober {
  const failed = (address: string, error: unknown): RouteProbe => ({ address, ok: false, message: ConnectError.from(error).message });
  return {
    async beat(address) {
      try {
        await executors.call(address, credentials, timeoutMs, (client, options) => client.beat({}, options));
        return { address, ok: true, message: "alive" };
      } catch (error) {
        return failed(address, error);
      }
    },
    async idleBeat(address, jobId) {
      try {
        const reply = await executors.call(address, credentials, timeoutMs, (client, options) => client.idleBeat({ jobId: BigInt(jobId) }, options));
        return { address, ok: reply.idle, message: reply.idle ? "idle" : `busy: ${reply.running} running, ${reply.queued} queued` };
      } catch (error) {
        return failed(address, error);
      }
    },
  };
}
