/**
 * Wires the alarm channels from resolved options: the one place that decides which senders exist, so the
 * scheduler only ever sees an `AlarmDispatcher`.
 */
import type { Logger } from "../../shared/logger.js";
import type { AlarmSender } from "./alarm.js";
import { type AlarmDispatcher, createAlarmDispatcher } from "./alarm-dispatcher.js";
import type { ResolvedAlarmOptions } from "./alarm-options.js";
import { createEmailAlarmSender } from "./email-alarm.js";
import { createWebhookAlarmSender } from "./webhook-alarm.js";

/**
 * Creates a dispatcher with the webhook channel (always available: the URLs come with each job) and the email
 * channel when an SMTP host is configured. Without a webhook secret the webhooks go out unsigned, which is
 * logged once here because receivers then cannot authenticate them.
 */
export function createConfiguredAlarmDispatcher(options: ResolvedAlarmOptions, logger?: Logger): AlarmDispatcher {
  const senders: AlarmSender[] = [createWebhookAlarmSender(options.webhook)];
  if (options.email !== null) senders.push(createEmailAlarmSender(options.email));
  if (options.webhook.secret === null) logger?.warn("webhook alarms are unsigned: set a webhook secret so receivers can authenticate them");
  return createAlarmDispatcher({ senders, sendTimeoutMs: options.sendTimeoutMs, ...(logger === undefined ? {} : { logger }) });
}
