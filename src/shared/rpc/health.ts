import { Code, ConnectError } from "@connectrpc/connect";
import type { ConnectRouter } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";

export { ServingStatus };

/** The service name that stands for the server as a whole, as defined by the gRPC health checking protocol. */
export const OVERALL_HEALTH = "";

export interface HealthServiceOptions {
  /** Status of the whole server (the "" service) until `setStatus` changes it. Defaults to SERVING, as in grpc-go. */
  readonly initialStatus?: ServingStatus;
}

/** Serving statuses that `grpc.health.v1.Health` reports, and the means to change them while the server runs. */
export interface HealthService {
  /**
   * Sets the status of one service ("" is the whole server) and tells every watcher of it. Ignored after
   * `shutdown()` until `resume()`, so a late component cannot advertise itself on a server that is going away.
   */
  setStatus(service: string, status: ServingStatus): void;
  /** Forgets a service, so Check answers NOT_FOUND and watchers see SERVICE_UNKNOWN. */
  clearStatus(service: string): void;
  /** The current status, or undefined for a service that was never set. */
  getStatus(service: string): ServingStatus | undefined;
  /** Marks every service NOT_SERVING, tells the watchers, then ends their streams so clients notice at once. */
  shutdown(): void;
  /** Undoes `shutdown()`: every known service is SERVING again and `setStatus` takes effect. */
  resume(): void;
  /** Number of open Watch streams; useful for metrics and for proving that cancelled streams are cleaned up. */
  watcherCount(): number;
  /** Serves `grpc.health.v1.Health` (Check, List, Watch) on a connect-node router. */
  register(router: ConnectRouter): void;
}

interface Watcher {
  update(status: ServingStatus): void;
  end(): void;
}

export function createHealthService(options: HealthServiceOptions = {}): HealthService {
  const statuses = new Map<string, ServingStatus>([[OVERALL_HEALTH, options.initialStatus ?? ServingStatus.SERVING]]);
  const watchers = new Map<string, Set<Watcher>>();
  let shuttingDown = false;

  const publish = (service: string): void => {
    const status = statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
    for (const watcher of watchers.get(service) ?? []) watcher.update(status);
  };
  const setAll = (status: ServingStatus): void => {
    for (const service of statuses.keys()) {
      statuses.set(service, status);
      publish(service);
    }
  };

  return {
    setStatus(service, status) {
      if (shuttingDown) return;
      statuses.set(service, status);
      publish(service);
    },
    clearStatus(service) {
      if (shuttingDown) return;
      statuses.delete(service);
      publish(service);
    },
    getStatus: (service) => statuses.get(service),
    shutdown() {
      shuttingDown = true;
      setAll(ServingStatus.NOT_SERVING);
      for (const set of watchers.values()) for (const watcher of set) watcher.end();
    },
    resume() {
      shuttingDown = false;
      setAll(ServingStatus.SERVING);
    },
    watcherCount: () => [...watchers.values()].reduce((sum, set) => sum + set.size, 0),
    register(router) {
      router.service(Health, {
        check(request) {
          const status = statuses.get(request.service);
          // The protocol requires NOT_FOUND for unknown services; SERVICE_UNKNOWN is reserved for Watch.
          if (status === undefined) throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
          return { status };
        },
        list() {
          return { statuses: Object.fromEntries([...statuses].map(([service, status]) => [service, { status }])) };
        },
        async *watch(request, ctx) {
          const service = request.service;
          let latest = statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
          let lastSent: ServingStatus | undefined;
          let ended = shuttingDown;
          let wake: (() => void) | undefined;
          const watcher: Watcher = {
            // Only the newest status matters, so a slow client skips intermediate ones instead of queueing them.
            update(status) {
              latest = status;
              wake?.();
            },
            end() {
              ended = true;
              wake?.();
            },
          };
          const onAbort = (): void => wake?.();
          const set = watchers.get(service) ?? new Set<Watcher>();
          set.add(watcher);
          watchers.set(service, set);
          ctx.signal.addEventListener("abort", onAbort);
          try {
            // The client cancelling aborts ctx.signal; that is the only reliable sign it has gone (see stack notes §5).
            while (!ctx.signal.aborted) {
              if (latest !== lastSent) {
                lastSent = latest;
                yield { status: latest };
                continue;
              }
              // A pending change is sent before the stream ends, so shutdown still delivers NOT_SERVING.
              if (ended) return;
              await new Promise<void>((resolve) => {
                wake = resolve;
              });
              wake = undefined;
            }
          } finally {
            ctx.signal.removeEventListener("abort", onAbort);
            set.delete(watcher);
            if (set.size === 0 && watchers.get(service) === set) watchers.delete(service);
          }
        },
      });
    },
  };
}
