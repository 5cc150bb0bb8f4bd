/**
 * Sends one alarm event to every target of a job through the configured senders and reports what happened per
 * target. A failing or hanging target never stops the others: all deliveries run side by side, each bounded by
 * its own deadline, and failures are collected instead of thrown, so the caller can record the run's alarm
 * state (sent or failed) from the summary.
 */
import type { Logger } from "../../shared/logger.js";
import type { AlarmTargets } from "../domain/types.js";
import { type AlarmChannel, type AlarmEvent, type AlarmSender, type AlarmTarget, alarmTargetsOf, describeAlarmTarget } from "./alarm.js";

export interface AlarmDeliveryFailure {
  readonly target: AlarmTarget;
  /** Why delivery failed, ready for a log line or the run's alarm record. */
  readonly error: string;
}

export interface AlarmDispatchSummary {
  /** Targets the event was sent to (one per email list, one per webhook URL). */
  readonly attempted: number;
  readonly delivered: number;
  readonly failures: readonly AlarmDeliveryFailure[];
}

export interface AlarmDispatcherOptions {
  /** At most one sender per channel; targets of a channel without a sender are reported as failures. */
  readonly senders: readonly AlarmSender[];
  /** Upper bound of one delivery to one target; a sender still busy then is abandoned and reported. */
  readonly sendTimeoutMs: number;
  /** Receives one warning per failed delivery. @default no logging */
  readonly logger?: Logger;
}

export interface AlarmDispatcher {
  /** The channels that have a sender. */
  readonly channels: readonly AlarmChannel[];
  /** Delivers `event` to every target of `targets` (a job's `alarm`). Never rejects. */
  dispatch(event: AlarmEvent, targets: AlarmTargets): Promise<AlarmDispatchSummary>;
  /** Closes every sender. */
  close(): Promise<void>;
}

/** Why a channel may lack a sender, so the failure tells the operator what to configure. */
const MISSING_SENDER_HINT: Record<AlarmChannel, string> = {
  email: "email alarms are not configured (set an SMTP host)",
  webhook: "webhook alarms are not configured",
};

export function createAlarmDispatcher(options: AlarmDispatcherOptions): AlarmDispatcher {
  if (!Number.isFinite(options.sendTimeoutMs) || options.sendTimeoutMs <= 0) {
    throw new Error(`alarm dispatcher option "sendTimeoutMs" must be a positive number of milliseconds, got ${String(options.sendTimeoutMs)}`);
  }
  const senders = new Map<AlarmChannel, AlarmSender>();
  for (const sender of options.senders) {
    if (senders.has(sender.channel)) throw new Error(`alarm dispatcher got two senders for the ${sender.channel} channel`);
    senders.set(sender.channel, sender);
  }

  const deliver = async (event: AlarmEvent, target: AlarmTarget): Promise<AlarmDeliveryFailure | null> => {
    const sender = senders.get(target.channel);
    if (sender === undefined) return { target, error: MISSING_SENDER_HINT[target.channel] };
    try {
      await withDeadline((signal) => sender.send(event, target, signal), options.sendTimeoutMs);
      return null;
    } catch (error) {
      return { target, error: error instanceof Error ? error.message : String(error) };
    }
  };

  return {
    channels: [...senders.keys()],

    async dispatch(event: AlarmEvent, alarm: AlarmTargets): Promise<AlarmDispatchSummary> {
      const targets = alarmTargetsOf(alarm);
      const outcomes = await Promise.all(targets.map((target) => deliver(event, target)));
      const failures = outcomes.filter((outcome): outcome is AlarmDeliveryFailure => outcome !== null);
      for (const failure of failures) {
        options.logger?.warn("alarm delivery failed", { job: event.jobId, run: event.runId, kind: event.kind, target: describeAlarmTarget(failure.target), error: failure.error });
      }
      return { attempted: targets.length, delivered: targets.length - failures.length, failures };
    },

    async close(): Promise<void> {
      await Promise.allSettled([...senders.values()].map((sender) => sender.close()));
    },
  };
}

/**
 * Runs `work` with a signal that aborts after `timeoutMs`, and stops waiting at that moment even if `work`
 * ignores the signal, so one unresponsive sender cannot hold up the alarm of a run.
 */
async function withDeadline(work: (signal: AbortSignal) => Promise<void>, timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  const expired = new Error(`no answer within ${timeoutMs} ms`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(expired);
      reject(expired);
    }, timeoutMs);
  });
  try {
    // Starting the work inside a promise chain turns a synchronous throw of a sender into a rejection.
    await Promise.race([Promise.resolve().then(() => work(controller.signal)), deadline]);
  } catch (error) {
    // A sender that reacts to the abort fails with its own words ("aborted"); the deadline is the real reason.
    throw controller.signal.aborted ? expired : error;
  } finally {
    clearTimeout(timer);
  }
}
