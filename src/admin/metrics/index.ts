export { createAdminMetrics, NO_ADMIN_METRICS } from "./admin-metrics.js";
export type { AdminMetrics, AdminMetricsRegistry, ExecutorCounts } from "./admin-metrics.js";
export { countExecutors } from "./executor-counts.js";
