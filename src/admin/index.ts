export { startAdmin } from "./admin.js";
export type { Admin } from "./admin.js";
export { resolveAdminOptions } from "./options.js";
export type { AdminOptions, ResolvedAdminOptions } from "./options.js";
export { alarmOptionsFromEnv, verifyWebhookSignature } from "./alarm/index.js";
export type { AlarmOptions } from "./alarm/index.js";
