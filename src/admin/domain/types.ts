/**
 * Core domain types of the admin.
 *
 * Glossary:
 * - **job**: a definition: executor group, handler or script, schedule, routing, block strategy, retries,
 *   timeout, alarm targets and child jobs.
 * - **executor group**: an `appName` and the executor addresses serving it, either live from the registry
 *   (AUTO) or a configured list (MANUAL). Its access token authenticates both directions of admin↔executor calls.
 * - **executor**: a process embedding the executor SDK; it serves ExecutorService and registers with the admin.
 * - **registry entry**: the latest heartbeat of one executor address of one app name.
 * - **fire**: one planned trigger of a job at a scheduled instant; persisted as a **planned fire** before it is
 *   dispatched, unique per (job, scheduled instant).
 * - **run**: one attempt to execute a fire on one executor (one per shard, one per retry), identified by its
 *   run id (XXL-JOB's log id). A run has a **trigger state** (did an executor accept it) and a **run state**
 *   (did the handler succeed).
 * - **route strategy**: how the admin picks the executor address of a run.
 * - **block strategy**: what the executor does when a run arrives for a job that is already busy there.
 * - **misfire**: a fire found later than the misfire threshold, handled by the job's misfire strategy.
 * - **GLUE**: a script stored with the job and run by the executor instead of a registered handler.
 *
 * Times are epoch milliseconds (UTC instants) everywhere in the domain; ids are numbers.
 */
import type {
  AddressType,
  AlarmState,
  BlockStrategy,
  CredentialKind,
  GlueType,
  JobState,
  MisfireStrategy,
  PlannedFireState,
  RetryBackoff,
  RouteStrategy,
  RunState,
  ScheduleType,
  TriggerState,
  TriggerType,
  UserRole,
} from "./enums.js";

export interface ExecutorGroup {
  readonly id: number;
  /** Unique, immutable after creation: executors register under it. */
  readonly appName: string;
  readonly title: string;
  readonly addressType: AddressType;
  /** The configured addresses of a MANUAL group; empty for AUTO groups. */
  readonly manualAddresses: readonly string[];
  /** Shared secret of this group's executors. Never shown to normal users. */
  readonly accessToken: string;
  readonly createTime: number;
  readonly updateTime: number;
}

export interface RegistryEntry {
  readonly appName: string;
  /** The executor's ExecutorService base URL, e.g. `http://10.0.0.5:9999`. */
  readonly address: string;
  readonly handlerNames: readonly string[];
  readonly sdkVersion: string;
  /** Run ids the executor reported as executing at its last beat. */
  readonly runningRunIds: readonly number[];
  /** Runs waiting in each job's queue on that executor, keyed by job id. */
  readonly queueDepths: Readonly<Record<string, number>>;
  readonly firstBeatTime: number;
  readonly lastBeatTime: number;
}

export interface RetryPolicy {
  /** How many more attempts a failed run gets. 0 disables retries. */
  readonly count: number;
  readonly backoff: RetryBackoff;
  /** Wait before the first retry (and every retry when FIXED). */
  readonly intervalMs: number;
  /** Upper bound of an EXPONENTIAL wait. */
  readonly maxIntervalMs: number;
}

export interface AlarmTargets {
  readonly emails: readonly string[];
  readonly webhookUrls: readonly string[];
}

export interface Job {
  readonly id: number;
  readonly groupId: number;
  readonly name: string;
  readonly description: string;
  readonly author: string;
  readonly alarm: AlarmTargets;
  readonly scheduleType: ScheduleType;
  /** Cron expression for CRON, a whole number of seconds for FIX_RATE and FIX_DELAY, empty for NONE. */
  readonly scheduleConf: string;
  /** IANA zone the cron expression is evaluated in; empty means the admin's zone. */
  readonly timeZone: string;
  readonly misfireStrategy: MisfireStrategy;
  readonly routeStrategy: RouteStrategy;
  /** Handler name for BEAN jobs; empty for GLUE scripts. */
  readonly handler: string;
  readonly param: string;
  readonly blockStrategy: BlockStrategy;
  /** Parallel runs per executor under CONCURRENT; 1 otherwise. */
  readonly concurrency: number;
  /** 0 means no timeout. */
  readonly timeoutSeconds: number;
  readonly retry: RetryPolicy;
  readonly glueType: GlueType;
  readonly glueSource: string;
  readonly glueRemark: string;
  /** Version stamp of the GLUE source (epoch ms of its last change); executors rebuild on change. */
  readonly glueUpdateTime: number;
  readonly childJobIds: readonly number[];
  readonly state: JobState;
  /** Scheduled instant of the last fire, 0 if none. */
  readonly lastFireTime: number;
  /** Scheduled instant of the next fire, 0 if none is planned. */
  readonly nextFireTime: number;
  /** Incremented on every change; used for optimistic concurrency (etag). */
  readonly version: number;
  readonly createTime: number;
  readonly updateTime: number;
}

/**
 * The fields of a job a user writes (create, update, import); everything else is derived or output only.
 */
export type JobDefinition = Pick<
  Job,
  | "groupId"
  | "name"
  | "description"
  | "author"
  | "alarm"
  | "scheduleType"
  | "scheduleConf"
  | "timeZone"
  | "misfireStrategy"
  | "routeStrategy"
  | "handler"
  | "param"
  | "blockStrategy"
  | "concurrency"
  | "timeoutSeconds"
  | "retry"
  | "glueType"
  | "childJobIds"
>;

export interface GlueVersion {
  readonly id: number;
  readonly jobId: number;
  readonly glueType: GlueType;
  readonly source: string;
  readonly remark: string;
  readonly createTime: number;
}

export interface PlannedFire {
  readonly id: number;
  readonly jobId: number;
  readonly scheduledTime: number;
  readonly triggerType: TriggerType;
  readonly state: PlannedFireState;
  /** Admin node that claimed it; another admin takes over once `leaseUntil` has passed. */
  readonly owner: string;
  readonly leaseUntil: number;
  readonly createTime: number;
  readonly dispatchTime: number;
  /** The run a RETRY fire retries, or the parent run (first of its batch) of a PARENT fire; 0 otherwise. */
  readonly originRunId: number;
}

/** Structured trigger report: what the admin did to start a run. Stored as data, rendered by the UI. */
export interface TriggerReport {
  readonly triggerType: TriggerType;
  readonly adminNode: string;
  readonly routeStrategy: RouteStrategy;
  readonly addressType: AddressType;
  readonly addresses: readonly string[];
  readonly chosenAddress: string;
  readonly blockStrategy: BlockStrategy;
  readonly timeoutSeconds: number;
  readonly retriesLeft: number;
  /** Probes made by FAILOVER/BUSYOVER, in order. */
  readonly probes: readonly { readonly address: string; readonly ok: boolean; readonly message: string }[];
  /** gRPC status code name of the executor's reply, `OK` when accepted. */
  readonly replyCode: string;
  readonly replyMessage: string;
  readonly durationMs: number;
}

export interface Run {
  readonly id: number;
  readonly jobId: number;
  readonly groupId: number;
  /** The planned fire this run belongs to; 0 for manual and API triggers. */
  readonly fireId: number;
  readonly triggerType: TriggerType;
  /** The instant the fire was planned for; the trigger time for manual triggers. */
  readonly scheduledTime: number;
  readonly triggerTime: number;
  readonly executorAddress: string;
  readonly handler: string;
  readonly param: string;
  readonly shardIndex: number;
  readonly shardTotal: number;
  /** 0 for the first attempt of a fire, n for its n-th retry. */
  readonly attempt: number;
  readonly retriesLeft: number;
  /** The run this one retries or, for PARENT triggers, the parent run; 0 if none. */
  readonly originRunId: number;
  readonly triggerState: TriggerState;
  readonly triggerReport: TriggerReport | null;
  readonly state: RunState;
  /** When the admin gives up waiting (timeout + grace); 0 if no timeout. */
  readonly deadlineTime: number;
  readonly handleTime: number;
  readonly handleMessage: string;
  /** False when the handler failed non-retryably. */
  readonly retryable: boolean;
  readonly alarmState: AlarmState;
  readonly updateTime: number;
  /**
   * Id of the first run of the trigger this run belongs to: itself for a plain run, shard 0 for the shards of a
   * broadcast; retries inherit it. "Every shard succeeded" is a question about one batch.
   */
  readonly batchId: number;
  /** Consecutive executor beats that did not list this RUNNING run; at two it is lost. */
  readonly missedBeats: number;
}

export interface User {
  readonly id: number;
  readonly username: string;
  readonly role: UserRole;
  /** Executor groups a NORMAL user may see and operate; ignored for ADMIN. */
  readonly permittedGroupIds: readonly number[];
  /** A disabled user cannot log in, and their sessions and API keys are refused. */
  readonly disabled: boolean;
  readonly createTime: number;
  readonly updateTime: number;
}

/** A user together with the stored password hash; only the auth layer sees this. */
export interface UserWithPassword extends User {
  readonly passwordHash: string;
}

export interface Credential {
  readonly id: number;
  readonly userId: number;
  readonly kind: CredentialKind;
  /** Label of an API key; empty for sessions. */
  readonly name: string;
  /** First characters of the secret, to recognise a key in a list without revealing it. */
  readonly tokenPrefix: string;
  readonly createTime: number;
  readonly expireTime: number;
  readonly lastUsedTime: number;
  /** 0 while valid. */
  readonly revokeTime: number;
}

export interface AuditEntry {
  readonly id: number;
  readonly time: number;
  readonly actorUserId: number;
  readonly actorName: string;
  /** The RPC or operation, e.g. `jobwire.v1.JobService/UpdateJob`. */
  readonly action: string;
  /** Resource name, e.g. `jobs/12`. */
  readonly resource: string;
  /** JSON of the resource before and after the change; empty when it did not exist. */
  readonly before: string;
  readonly after: string;
}

export interface DailyReport {
  /** UTC calendar day, `YYYY-MM-DD`. */
  readonly day: string;
  readonly runningCount: number;
  readonly succeededCount: number;
  readonly failedCount: number;
  readonly updateTime: number;
}

export interface Lease {
  readonly name: string;
  readonly owner: string;
  readonly expireTime: number;
}
