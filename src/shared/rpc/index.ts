export { registerReflection } from "./reflection.js";
export { createHealthService, OVERALL_HEALTH, ServingStatus } from "./health.js";
export type { HealthService, HealthServiceOptions } from "./health.js";
