import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * What the admin reports to Prometheus. The scheduler, the trigger path and the result stream call these
 * methods; they only update in-memory series and never throw or block.
 */
export interface AdminMetrics {
  /** A fire was handed to the trigger path; `kind` is its trigger type (schedule, manual, api, retry, parent, misfire). */
  fireDispatched(kind: string, latenessMs: number): void;
  /** A run reached a final state (succeeded, failed, timed_out, killed, lost). */
  runFinished(state: string): void;
  /** One `Run` call to an executor took `ms`; `ok` is false when it failed or was refused. */
  triggerRpc(ms: number, ok: boolean): void;
  /** An executor's result arrived `lagMs` after the handler finished (the executor's handle time). */
  callbackReceived(lagMs: number): void;
  /** A run's handler started `latenessMs` after its fire's scheduled instant (as the executor reported the start). */
  runStarted(latenessMs: number): void;
}

/** Counts of executor registry entries per app name, read from the store at each scrape. */
export interface ExecutorCounts {
  readonly appName: string;
  /** Entries in the registry (an executor beat at some time in the last day). */
  readonly registered: number;
  /** Entries whose last beat is recent enough for the executor to count as alive. */
  readonly live: number;
}

/** The admin's metrics with their registry, rendered on `GET /metrics`. */
export interface AdminMetricsRegistry extends AdminMetrics {
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Milliseconds buckets from 1 ms to a minute: scheduling lateness targets are under 100 ms, RPCs under seconds. */
const MS_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000];

/** Metrics that record nothing, for an admin started with metrics disabled. */
export const NO_ADMIN_METRICS: AdminMetrics = {
  fireDispatched: () => {},
  runFinished: () => {},
  triggerRpc: () => {},
  callbackReceived: () => {},
  runStarted: () => {},
};

/**
 * Creates the metrics of one admin in a registry of its own (never prom-client's global default registry: several
 * admins may run in one process, as the cluster tests do, and each must report only its own series).
 * `executorCounts` is called at each scrape; its failure fails the scrape rather than reporting stale numbers.
 */
export function createAdminMetrics(executorCounts: () => Promise<readonly ExecutorCounts[]>): AdminMetricsRegistry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "jobwire_admin_" });
  const fires = new Counter({
    name: "jobwire_fires_dispatched_total",
    help: "Fires handed to the trigger path, by trigger type.",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const lateness = new Histogram({
    name: "jobwire_fire_lateness_milliseconds",
    help: "Instant the admin sent the fire's runs minus the fire's scheduled instant, in milliseconds (0 when they were sent ahead, to be held by the executor until the instant).",
    buckets: MS_BUCKETS,
    registers: [registry],
  });
  const runs = new Counter({
    name: "jobwire_runs_finished_total",
    help: "Runs that reached a final state, by state.",
    labelNames: ["state"] as const,
    registers: [registry],
  });
  const triggerRpc = new Histogram({
    name: "jobwire_trigger_rpc_duration_milliseconds",
    help: "Duration of the Run calls to executors, in milliseconds, by outcome (ok or error).",
    labelNames: ["outcome"] as const,
    buckets: MS_BUCKETS,
    registers: [registry],
  });
  const callbackLag = new Histogram({
    name: "jobwire_callback_lag_milliseconds",
    help: "Instant a result reached the admin minus the instant its run finished on the executor, in milliseconds.",
    buckets: MS_BUCKETS,
    registers: [registry],
  });
  const startLateness = new Histogram({
    name: "jobwire_run_start_lateness_milliseconds",
    help: "Instant a run's handler started (executor clock) minus its fire's scheduled instant, in milliseconds; child runs are left out (their instant is the parent's).",
    buckets: MS_BUCKETS,
    registers: [registry],
  });
  const registered = new Gauge({
    name: "jobwire_executors_registered",
    help: "Executor addresses in the registry, by app name.",
    labelNames: ["app_name"] as const,
    registers: [registry],
  });
  const live = new Gauge({
    name: "jobwire_executors_live",
    help: "Executor addresses whose last beat is recent enough to count them alive, by app name.",
    labelNames: ["app_name"] as const,
    registers: [registry],
  });
  return {
    fireDispatched: (kind, latenessMs) => {
      fires.inc({ kind: kind.toLowerCase() });
      lateness.observe(Math.max(0, latenessMs));
    },
    runFinished: (state) => runs.inc({ state: state.toLowerCase() }),
    triggerRpc: (ms, ok) => triggerRpc.observe({ outcome: ok ? "ok" : "error" }, Math.max(0, ms)),
    callbackReceived: (lagMs) => callbackLag.observe(Math.max(0, lagMs)),
    runStarted: (latenessMs) => startLateness.observe(Math.max(0, latenessMs)),
    async render() {
      const counts = await executorCounts();
      // Reset first so that an app name whose executors are all gone disappears instead of keeping its last value.
      registered.reset();
      live.reset();
      for (const count of counts) {
        registered.set({ app_name: count.appName }, count.registered);
        live.set({ app_name: count.appName }, count.live);
      }
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
