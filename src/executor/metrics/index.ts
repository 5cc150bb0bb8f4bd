export { createExecutorMetrics } from "./executor-metrics.js";
export type { ExecutorMetrics, ExecutorSnapshot } from "./executor-metrics.js";
