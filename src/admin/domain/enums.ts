/**
 * String-literal unions for every closed set in the admin's domain. Each set is declared once as a `const`
 * tuple so that validators, converters and SQL checks iterate the same list the types are derived from.
 */

/** How the scheduler decides when a job fires. NONE jobs run only manually, through the API or as children. */
export const SCHEDULE_TYPES = ["NONE", "CRON", "FIX_RATE", "FIX_DELAY"] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];

/** What happens to a fire found later than the misfire threshold. */
export const MISFIRE_STRATEGIES = ["DO_NOTHING", "FIRE_ONCE_NOW"] as const;
export type MisfireStrategy = (typeof MISFIRE_STRATEGIES)[number];

/** How the admin picks the executor address (or addresses) of a run. */
export const ROUTE_STRATEGIES = [
  "FIRST",
  "LAST",
  "ROUND",
  "RANDOM",
  "CONSISTENT_HASH",
  "LEAST_FREQUENTLY_USED",
  "LEAST_RECENTLY_USED",
  "FAILOVER",
  "BUSYOVER",
  "SHARDING_BROADCAST",
] as const;
export type RouteStrategy = (typeof ROUTE_STRATEGIES)[number];

/** What an executor does with a run of a job that is already busy there. */
export const BLOCK_STRATEGIES = ["SERIAL", "DISCARD_LATER", "COVER_EARLY", "CONCURRENT"] as const;
export type BlockStrategy = (typeof BLOCK_STRATEGIES)[number];

/** BEAN runs a handler registered in the executor; the others run the job's stored script source. */
export const GLUE_TYPES = ["BEAN", "SHELL", "PYTHON", "NODEJS", "PHP", "POWERSHELL"] as const;
export type GlueType = (typeof GLUE_TYPES)[number];

/** Why a run was created. */
export const TRIGGER_TYPES = ["SCHEDULE", "MANUAL", "API", "RETRY", "PARENT", "MISFIRE"] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** Whether the scheduler fires a job (XXL-JOB's trigger_status). Changed only by Start and Stop. */
export const JOB_STATES = ["STOPPED", "RUNNING"] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * The lifecycle of a run. PENDING: the row exists, the executor has not accepted it yet. RUNNING: accepted.
 * The rest are final: a run ends in exactly one of them.
 */
export const RUN_STATES = ["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "KILLED", "LOST"] as const;
export type RunState = (typeof RUN_STATES)[number];
export const FINAL_RUN_STATES: readonly RunState[] = ["SUCCEEDED", "FAILED", "TIMED_OUT", "KILLED", "LOST"];

/** Whether an executor accepted the Run call (the trigger result, separate from the handle result). */
export const TRIGGER_STATES = ["PENDING", "ACCEPTED", "FAILED"] as const;
export type TriggerState = (typeof TRIGGER_STATES)[number];

/** Alarm progress of a run; CLAIMED is taken with a conditional update so that one admin alarms once. */
export const ALARM_STATES = ["NONE", "SKIPPED", "CLAIMED", "SENT", "FAILED"] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** How the wait before a retry grows. */
export const RETRY_BACKOFFS = ["FIXED", "EXPONENTIAL"] as const;
export type RetryBackoff = (typeof RETRY_BACKOFFS)[number];

/** AUTO groups take their addresses from the registry; MANUAL groups keep a configured list. */
export const ADDRESS_TYPES = ["AUTO", "MANUAL"] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

export const USER_ROLES = ["ADMIN", "NORMAL"] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A credential is either a login session or a long-lived API key; both are stored only as hashes. */
export const CREDENTIAL_KINDS = ["SESSION", "API_KEY"] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** A planned fire is PLANNED until an admin dispatches it (creates its runs), then DISPATCHED. */
export const PLANNED_FIRE_STATES = ["PLANNED", "DISPATCHED"] as const;
export type PlannedFireState = (typeof PLANNED_FIRE_STATES)[number];
