/**
 * The admin's alarms: events built from failed runs, delivered by email (SMTP) and signed JSON webhooks through
 * one dispatcher. See `createConfiguredAlarmDispatcher` for the usual entry point.
 */
export {
  ALARM_CHANNELS,
  ALARM_KINDS,
  ALARM_MESSAGE_MAX_CHARS,
  alarmKindOfRun,
  alarmTargetsOf,
  buildAlarmEvent,
  describeAlarmTarget,
  type AlarmChannel,
  type AlarmEvent,
  type AlarmKind,
  type AlarmSender,
  type AlarmTarget,
  type BuildAlarmEventOptions,
} from "./alarm.js";
export { alarmHtml, alarmSubject, alarmText } from "./alarm-message.js";
export {
  ALARM_ENV_VARIABLES,
  MIN_WEBHOOK_SECRET_CHARS,
  alarmOptionsFromEnv,
  resolveAlarmOptions,
  type AlarmOptions,
  type ResolvedAlarmOptions,
  type ResolvedEmailAlarmOptions,
  type ResolvedWebhookAlarmOptions,
} from "./alarm-options.js";
export {
  createAlarmDispatcher,
  type AlarmDeliveryFailure,
  type AlarmDispatcher,
  type AlarmDispatcherOptions,
  type AlarmDispatchSummary,
} from "./alarm-dispatcher.js";
export { createConfiguredAlarmDispatcher } from "./configured-alarms.js";
export { createEmailAlarmSender } from "./email-alarm.js";
export {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  WEBHOOK_HEADERS,
  createWebhookAlarmSender,
  signWebhookPayload,
  verifyWebhookSignature,
  type WebhookAlarmSenderOptions,
} from "./webhook-alarm.js";
