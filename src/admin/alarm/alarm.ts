/**
 * Domain types of the admin's alarms: the event that describes what went wrong with one run, the targets an
 * event is delivered to, and the interface every alarm channel (email, webhook, …) implements.
 *
 * The event is a plain, JSON-serialisable value built from a job, a run and its executor group, so the same
 * value feeds the email text and the webhook body, and a receiver never needs to call back into the admin to
 * understand it. It deliberately carries no alarm targets: a webhook receiver must not learn the job's email
 * addresses.
 */
import type { AlarmTargets, ExecutorGroup, Job, Run } from "../domain/types.js";
import type { TriggerType } from "../domain/enums.js";

/**
 * Why a run alarms. RUN_FAILED: the handler reported failure. RUN_TIMED_OUT: the run outlived its timeout.
 * RUN_LOST: its executor died or stopped reporting it. TRIGGER_FAILED: no executor accepted the run.
 */
export const ALARM_KINDS = ["RUN_FAILED", "RUN_TIMED_OUT", "RUN_LOST", "TRIGGER_FAILED"] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/**
 * Handle messages are capped by the admin already, but trigger errors are not; the cap keeps an alarm (and a
 * webhook body) bounded whatever the executor sent.
 */
export const ALARM_MESSAGE_MAX_CHARS = 15_000;

/** One alarm: everything a person or a receiving system needs to know about the failed run. */
export interface AlarmEvent {
  readonly kind: AlarmKind;
  readonly jobId: number;
  readonly jobName: string;
  readonly groupAppName: string;
  readonly groupTitle: string;
  readonly runId: number;
  /** 0 for the first attempt of a fire, n for its n-th retry. */
  readonly attempt: number;
  /** Retries the scheduler will still make for this fire; 0 when this alarm is final. */
  readonly retriesLeft: number;
  readonly triggerType: TriggerType;
  readonly shardIndex: number;
  readonly shardTotal: number;
  /** Handler name of BEAN jobs; empty for GLUE scripts. */
  readonly handler: string;
  /** The executor the run was sent to; empty when no executor could be chosen. */
  readonly executorAddress: string;
  /** Epoch ms of the instant the fire was planned for. */
  readonly scheduledTime: number;
  /** Epoch ms of the trigger; 0 if the run was never triggered. */
  readonly triggerTime: number;
  /** The handle message of a finished run, or the trigger error of a run no executor accepted. */
  readonly message: string;
  /** The admin's public console URL, so a reader can open it; null when none is configured. */
  readonly consoleUrl: string | null;
  /** Epoch ms at which the alarm was raised. */
  readonly alarmTime: number;
}

/** The channels an alarm can travel on; each has one sender. */
export const ALARM_CHANNELS = ["email", "webhook"] as const;
export type AlarmChannel = (typeof ALARM_CHANNELS)[number];

/**
 * Where one delivery goes. Email sends one message to all of a job's addresses, so all of them form one target;
 * every webhook URL is its own target because each is a separate request that succeeds or fails alone.
 */
export type AlarmTarget =
  | { readonly channel: "email"; readonly addresses: readonly string[] }
  | { readonly channel: "webhook"; readonly url: string };

/** A channel that can deliver alarm events. Implementations must reject instead of throwing synchronously. */
export interface AlarmSender {
  readonly channel: AlarmChannel;
  /**
   * Delivers `event` to `target`; resolves once the receiving side accepted it and rejects with an Error whose
   * message says what failed. `signal` aborts the delivery; senders give up as soon as it fires.
   */
  send(event: AlarmEvent, target: AlarmTarget, signal?: AbortSignal): Promise<void>;
  /** Releases connections the sender keeps; it may not be used afterwards. */
  close(): Promise<void>;
}

export interface BuildAlarmEventOptions {
  /** The admin's public console URL; omitted or null when none is configured. */
  readonly consoleUrl?: string | null;
  /** Epoch ms of the alarm. @default Date.now() */
  readonly now?: number;
}

/**
 * Builds the alarm event of `run` (of `job`, in `group`). Pure: the result depends only on the arguments, so the
 * scheduler can build it inside its claim of the run's alarm and any admin builds the same event.
 */
export function buildAlarmEvent(job: Job, run: Run, group: ExecutorGroup, kind: AlarmKind, options: BuildAlarmEventOptions = {}): AlarmEvent {
  return {
    kind,
    jobId: job.id,
    jobName: job.name,
    groupAppName: group.appName,
    groupTitle: group.title,
    runId: run.id,
    attempt: run.attempt,
    retriesLeft: run.retriesLeft,
    triggerType: run.triggerType,
    shardIndex: run.shardIndex,
    shardTotal: run.shardTotal,
    handler: run.handler,
    executorAddress: run.executorAddress,
    scheduledTime: run.scheduledTime,
    triggerTime: run.triggerTime,
    message: capMessage(alarmMessageOf(run, kind)),
    consoleUrl: options.consoleUrl ?? null,
    alarmTime: options.now ?? Date.now(),
  };
}

/**
 * The alarm kind a finished run calls for, or null when it needs none (it succeeded, is still going, or was
 * killed on purpose by a user).
 */
export function alarmKindOfRun(run: Run): AlarmKind | null {
  if (run.triggerState === "FAILED") return "TRIGGER_FAILED";
  switch (run.state) {
    case "FAILED":
      return "RUN_FAILED";
    case "TIMED_OUT":
      return "RUN_TIMED_OUT";
    case "LOST":
      return "RUN_LOST";
    default:
      return null;
  }
}

/**
 * The delivery targets of a job's alarm settings: one email target holding every address, one webhook target per
 * URL. Blank entries are dropped and duplicates removed (emails case-insensitively) so nobody is alarmed twice.
 */
export function alarmTargetsOf(alarm: AlarmTargets): AlarmTarget[] {
  const targets: AlarmTarget[] = [];
  const seenEmails = new Set<string>();
  const addresses: string[] = [];
  for (const raw of alarm.emails) {
    const address = raw.trim();
    const key = address.toLowerCase();
    if (address === "" || seenEmails.has(key)) continue;
    seenEmails.add(key);
    addresses.push(address);
  }
  if (addresses.length > 0) targets.push({ channel: "email", addresses });
  const seenUrls = new Set<string>();
  for (const raw of alarm.webhookUrls) {
    const url = raw.trim();
    if (url === "" || seenUrls.has(url)) continue;
    seenUrls.add(url);
    targets.push({ channel: "webhook", url });
  }
  return targets;
}

/**
 * A short, log-safe name of a target. Webhook URLs lose their credentials and query string, where services such
 * as chat bots commonly put their access tokens.
 */
export function describeAlarmTarget(target: AlarmTarget): string {
  return target.channel === "email" ? `email:${target.addresses.join(",")}` : `webhook:${redactUrl(target.url)}`;
}

/** The URL without user info and query, or a placeholder when it does not parse. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "<invalid URL>";
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search === "" ? "" : "?…"}`;
}

function alarmMessageOf(run: Run, kind: AlarmKind): string {
  if (kind === "TRIGGER_FAILED" && run.triggerReport !== null) {
    const { replyCode, replyMessage } = run.triggerReport;
    return replyCode === "" ? replyMessage : `${replyCode}: ${replyMessage}`;
  }
  return run.handleMessage;
}

function capMessage(message: string): string {
  if (message.length <= ALARM_MESSAGE_MAX_CHARS) return message;
  const marker = "\n…(truncated)";
  return message.slice(0, ALARM_MESSAGE_MAX_CHARS - marker.length) + marker;
}
