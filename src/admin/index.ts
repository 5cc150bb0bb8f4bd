export { startAdmin } from "./admin.js";
export type { Admin } from "./admin.js";
export { resolveAdminOptions } from "./options.js";
export type { AdminOptions, ResolvedAdminOptions } from "./options.js";
