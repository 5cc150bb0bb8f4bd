import type { Kysely } from "kysely";
import type { ResolvedAdminOptions } from "./options.js";
import type { AdminMetrics } from "./metrics/index.js";
import type { Database } from "./persistence/index.js";
import type { ExecutorClients } from "./trigger/executor-clients.js";
import type { RunFinisher } from "./scheduler/run-finisher.js";
import type { RunMonitor } from "./scheduler/run-monitor.js";
import type { TriggerService } from "./trigger/trigger-service.js";

/**
 * What the services of one admin share. It is built once in `createAdmin()` and passed explicitly: there are
 * no module-level singletons, so several admins can run in one process (as the cluster tests do).
 */
export interface AdminContext {
  readonly db: Kysely<Database>;
  readonly options: ResolvedAdminOptions;
  /** The clock; tests substitute a fake one. */
  readonly now: () => number;
  readonly executors: ExecutorClients;
  readonly trigger: TriggerService;
  /** Makes runs final together with their retries, children and report counters. */
  readonly finisher: RunFinisher;
  /** Applies executor beats to RUNNING runs (lost-run detection). */
  readonly monitor: RunMonitor;
  /** Prometheus metrics of this admin (a no-op when metrics are disabled). */
  readonly metrics: AdminMetrics;
}
