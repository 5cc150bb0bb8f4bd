import { randomBytes } from "node:crypto";
import os from "node:os";
import { createConsoleLogger, type Logger } from "../shared/logger.js";
import { isValidTimeZone } from "./schedule/quartz-cron.js";
import { systemTimeZone } from "./schedule/next-fire-time.js";
import { systemClock, type Clock } from "./scheduler/clock.js";
import { resolveAlarmOptions, type AlarmOptions, type ResolvedAlarmOptions } from "./alarm/index.js";

/** Options of `createAdmin()`. Every field is optional; the defaults suit one admin on one machine. */
export interface AdminOptions {
  /**
   * Database URL: `sqlite:./data/jobwire.db`, `sqlite::memory:`, `mysql://user:pass@host:3306/db` or
   * `postgres://user@host:5432/db`. Several admins may share one MySQL or PostgreSQL database.
   * @default "sqlite:./data/jobwire.db"
   */
  databaseUrl?: string;
  /**
   * Interface to listen on.
   * @default "0.0.0.0"
   */
  host?: string;
  /**
   * Port serving gRPC (h2c), gRPC-Web, Connect, health, reflection and the console. 0 picks a free port.
   * @default 8080
   */
  port?: number;
  /**
   * Name of this admin node in trigger reports and leases. Must be unique in a cluster.
   * @default "<hostname>:<port>:<random>"
   */
  nodeId?: string;
  /**
   * Password of the `admin` user created at the first start (when the database has no user). When unset a
   * random one is generated and passed to `onInitialAdminPassword` once. Never a fixed default.
   */
  initialAdminPassword?: string;
  /**
   * Called once with the generated password of the first `admin` user.
   * @default prints the password to stderr
   */
  onInitialAdminPassword?: (username: string, password: string) => void;
  /**
   * Deadline of each `Run` call to an executor.
   * @default 3000
   */
  triggerTimeoutMs?: number;
  /**
   * Registry heartbeat interval expected from executors.
   * @default 30000
   */
  beatIntervalMs?: number;
  /**
   * Time without a beat after which an executor is dead.
   * @default 90000
   */
  deadTimeoutMs?: number;
  /**
   * Lifetime of a login session (30 days with "remember me").
   * @default 43200000 (12 hours)
   */
  sessionTtlMs?: number;
  /**
   * Where log lines go.
   * @default a console logger at level "info"
   */
  logger?: Logger;
  /**
   * IANA time zone of jobs that name none, and of the daily report's days.
   * @default the system zone (`TZ`)
   */
  timeZone?: string;
  /**
   * Whether this admin plans and dispatches fires. An admin without it still serves the API and receives
   * results (e.g. a console-only node).
   * @default true
   */
  schedulerEnabled?: boolean;
  /**
   * A job is claimed for planning once its next fire is this close; its fires up to twice this far ahead are then
   * planned and held in memory, to be dispatched at their millisecond.
   * @default 5000
   */
  preReadMs?: number;
  /**
   * Pause between two planning rounds.
   * @default 1000
   */
  scanIntervalMs?: number;
  /**
   * Jobs claimed per planning transaction.
   * @default 1000
   */
  planBatchSize?: number;
  /**
   * A fire found later than this is a misfire (handled by the job's misfire strategy); a later-but-within fire
   * still fires at once.
   * @default 5000
   */
  misfireThresholdMs?: number;
  /**
   * How long past its instant a planned fire stays with the admin that planned it; then any admin of the
   * cluster may take it over (the planning admin died). Bounds the delay of a crashed admin's fires: at most this
   * plus one `scanIntervalMs`. A live admin marks its fires `dispatchLeadMs` before their instant, far inside the
   * lease; one that falls further behind loses them to another admin, which is safe (a fire is marked once).
   * @default 1500
   */
  takeoverAfterMs?: number;
  /**
   * A planned fire's store work (reading its job, routing addresses, marking it dispatched and writing its runs) is
   * done this long before its instant, so that at the instant only the call to the executor is left. 0 does all
   * of it at the instant.
   * @default 300
   */
  dispatchLeadMs?: number;
  /**
   * Fires that share an instant are more store work than `dispatchLeadMs` leaves time for (10 000 fires due at one
   * second take a 2-core admin about two seconds). The scheduler therefore releases such a burst earlier, by the
   * store work it measures per fire times the fires queued for that instant and the ones after it, so that their
   * runs reach the executors, which hold them, by the instant; never earlier than this before the instant. Equal to
   * `dispatchLeadMs` turns this off. At most `preReadMs`; the default is 3000, or less when `preReadMs` minus
   * `scanIntervalMs` is less (fires are planned that long ahead at the latest).
   * @default 3000
   */
  maxDispatchLeadMs?: number;
  /**
   * A run sent ahead of its instant is accepted by its executor before it starts; the acceptance (RUNNING, the
   * address, the trigger report) is kept in memory until this long past the instant (or past the acceptance, when
   * that came later), so that a result arriving
   * meanwhile writes the run once, with both, instead of twice. Acceptances still held when the admin stops are
   * written then; an admin that crashes loses only the trigger reports of runs accepted in this window (the runs
   * themselves finish from their executors' results, or fail as stale). 0 writes every acceptance at once.
   * @default 1000
   */
  acceptLingerMs?: number;
  /**
   * Pause between two sweeps for timed-out, lost and stuck runs and due alarms.
   * @default 1000
   */
  monitorIntervalMs?: number;
  /**
   * Finished runs older than this many days are deleted once a day (by one admin of the cluster); 0 keeps them.
   * @default 30
   */
  runRetentionDays?: number;
  /**
   * Runs being dispatched at once (routed, sent, their answer stored) in the fast lane, and in the lane for jobs
   * whose triggers were slow. Runs sent to one executor in the same event-loop turn travel as one `RunBatch`
   * call, so a slot costs little; the bound keeps a burst's memory and the executors' intake in check.
   * @default 2000 and 200
   */
  fastTriggerConcurrency?: number;
  slowTriggerConcurrency?: number;
  /** Time source of the scheduler and monitors; tests pass a fake clock. @default the system clock */
  clock?: Clock;
  /**
   * Alarm delivery: SMTP for email alarms, the HMAC secret of webhook alarms, the console's public URL.
   * `jobwire admin` reads them from `JOBWIRE_SMTP_*`, `JOBWIRE_WEBHOOK_SECRET` and `JOBWIRE_PUBLIC_URL`.
   * @default no SMTP (email alarms fail visibly), unsigned webhooks
   */
  alarms?: AlarmOptions;
  /**
   * Prometheus metrics on `GET /metrics` of the admin's port. Public by default, like most exporters; with
   * `token`, scrapes must send `authorization: Bearer <token>`. `enabled: false` removes the route.
   * @default { enabled: true }
   */
  metrics?: { enabled?: boolean; token?: string };
}

/** Options after validation, with every default applied. */
export interface ResolvedAdminOptions {
  readonly databaseUrl: string;
  readonly host: string;
  readonly port: number;
  readonly nodeId: string;
  readonly initialAdminPassword: string | undefined;
  readonly onInitialAdminPassword: (username: string, password: string) => void;
  readonly triggerTimeoutMs: number;
  readonly beatIntervalMs: number;
  readonly deadTimeoutMs: number;
  readonly sessionTtlMs: number;
  readonly rememberedSessionTtlMs: number;
  readonly logger: Logger;
  readonly timeZone: string;
  readonly schedulerEnabled: boolean;
  readonly preReadMs: number;
  readonly scanIntervalMs: number;
  readonly planBatchSize: number;
  readonly misfireThresholdMs: number;
  readonly takeoverAfterMs: number;
  readonly dispatchLeadMs: number;
  readonly maxDispatchLeadMs: number;
  readonly acceptLingerMs: number;
  readonly monitorIntervalMs: number;
  readonly runRetentionDays: number;
  readonly fastTriggerConcurrency: number;
  readonly slowTriggerConcurrency: number;
  readonly clock: Clock;
  readonly alarms: ResolvedAlarmOptions;
  readonly metrics: { readonly enabled: boolean; readonly token: string | undefined };
}

/** Validates `options` eagerly and returns them fully defaulted; throws an Error naming the bad option. */
export function resolveAdminOptions(options: AdminOptions = {}): ResolvedAdminOptions {
  const logger = options.logger ?? createConsoleLogger("admin");
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`admin option "port" must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  const databaseUrl = options.databaseUrl ?? "sqlite:./data/jobwire.db";
  if (!/^(sqlite:|mysql:\/\/|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new Error(`admin option "databaseUrl" must start with sqlite:, mysql:// or postgres://, got "${databaseUrl}"`);
  }
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const resolved = value ?? fallback;
    if (!Number.isFinite(resolved) || resolved <= 0) throw new Error(`admin option "${name}" must be a positive number of milliseconds, got ${String(value)}`);
    return resolved;
  };
  const beatIntervalMs = positive("beatIntervalMs", options.beatIntervalMs, 30_000);
  const deadTimeoutMs = positive("deadTimeoutMs", options.deadTimeoutMs, 90_000);
  if (deadTimeoutMs < beatIntervalMs * 2) {
    throw new Error(`admin option "deadTimeoutMs" (${deadTimeoutMs}) must be at least twice "beatIntervalMs" (${beatIntervalMs}) so one late beat does not kill an executor`);
  }
  if (options.initialAdminPassword !== undefined && options.initialAdminPassword.length < 8) {
    throw new Error(`admin option "initialAdminPassword" must have at least 8 characters`);
  }
  const timeZone = options.timeZone ?? systemTimeZone();
  if (!isValidTimeZone(timeZone)) throw new Error(`admin option "timeZone" must be an IANA time zone such as "Asia/Shanghai", got "${timeZone}"`);
  const count = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const resolved = value ?? fallback;
    if (!Number.isInteger(resolved) || resolved < min) throw new Error(`admin option "${name}" must be an integer of at least ${min}, got ${String(value)}`);
    return resolved;
  };
  const preReadMs = positive("preReadMs", options.preReadMs, 5_000);
  const scanIntervalMs = positive("scanIntervalMs", options.scanIntervalMs, 1_000);
  if (scanIntervalMs > preReadMs) {
    throw new Error(`admin option "scanIntervalMs" (${scanIntervalMs}) must not exceed "preReadMs" (${preReadMs}), or fires would be planned after their instant`);
  }
  const dispatchLeadMs = count("dispatchLeadMs", options.dispatchLeadMs, 300, 0);
  const maxDispatchLeadMs = count("maxDispatchLeadMs", options.maxDispatchLeadMs, Math.max(dispatchLeadMs, Math.min(3_000, preReadMs - scanIntervalMs)), 0);
  if (maxDispatchLeadMs < dispatchLeadMs || maxDispatchLeadMs > preReadMs) {
    throw new Error(`admin option "maxDispatchLeadMs" (${maxDispatchLeadMs}) must lie between "dispatchLeadMs" (${dispatchLeadMs}) and "preReadMs" (${preReadMs})`);
  }
  return {
    databaseUrl,
    host: options.host ?? "0.0.0.0",
    port,
    nodeId: options.nodeId ?? `${os.hostname()}:${port}:${randomBytes(3).toString("hex")}`,
    initialAdminPassword: options.initialAdminPassword,
    onInitialAdminPassword:
      options.onInitialAdminPassword ??
      ((username, password) => {
        process.stderr.write(`\n  First start: created user "${username}" with password: ${password}\n  It is shown only this once; change it after logging in.\n\n`);
      }),
    triggerTimeoutMs: positive("triggerTimeoutMs", options.triggerTimeoutMs, 3_000),
    beatIntervalMs,
    deadTimeoutMs,
    sessionTtlMs: positive("sessionTtlMs", options.sessionTtlMs, 12 * 3600_000),
    rememberedSessionTtlMs: 30 * 24 * 3600_000,
    logger,
    timeZone,
    schedulerEnabled: options.schedulerEnabled ?? true,
    preReadMs,
    scanIntervalMs,
    planBatchSize: count("planBatchSize", options.planBatchSize, 1_000, 1),
    misfireThresholdMs: positive("misfireThresholdMs", options.misfireThresholdMs, 5_000),
    takeoverAfterMs: positive("takeoverAfterMs", options.takeoverAfterMs, 1_500),
    dispatchLeadMs,
    maxDispatchLeadMs,
    acceptLingerMs: count("acceptLingerMs", options.acceptLingerMs, 1_000, 0),
    monitorIntervalMs: positive("monitorIntervalMs", options.monitorIntervalMs, 1_000),
    runRetentionDays: count("runRetentionDays", options.runRetentionDays, 30, 0),
    fastTriggerConcurrency: count("fastTriggerConcurrency", options.fastTriggerConcurrency, 2_000, 1),
    slowTriggerConcurrency: count("slowTriggerConcurrency", options.slowTriggerConcurrency, 200, 1),
    clock: options.clock ?? systemClock,
    alarms: resolveAlarmOptions(options.alarms ?? {}),
    metrics: { enabled: options.metrics?.enabled ?? true, token: options.metrics?.token === "" ? undefined : options.metrics?.token },
  };
}
