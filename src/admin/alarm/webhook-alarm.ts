/**
 * Webhook alarms: the event as a JSON POST to each of the job's webhook URLs.
 *
 * Signing: with a secret configured, every request carries `x-jobwire-timestamp` (unix seconds) and
 * `x-jobwire-signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` under the secret. Signing the
 * timestamp with the body lets a receiver refuse replays of an old, captured request: it checks the signature
 * and that the timestamp is recent (`verifyWebhookSignature`). Without a secret the requests are unsigned and a
 * receiver cannot tell a genuine alarm from a forged one.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { type AlarmEvent, type AlarmSender, type AlarmTarget, redactUrl } from "./alarm.js";
import type { ResolvedWebhookAlarmOptions } from "./alarm-options.js";

export const WEBHOOK_HEADERS = {
  event: "x-jobwire-event",
  timestamp: "x-jobwire-timestamp",
  signature: "x-jobwire-signature",
} as const;

/** Default window in which `verifyWebhookSignature` accepts a timestamp, in either direction. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** How much of a failing receiver's answer goes into the error, enough to recognise it in a log. */
const ERROR_BODY_MAX_CHARS = 200;

export interface WebhookAlarmSenderOptions extends ResolvedWebhookAlarmOptions {
  /** Clock of the signature timestamp, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** Creates the webhook channel from resolved options (`resolveAlarmOptions(...).webhook`). */
export function createWebhookAlarmSender(options: WebhookAlarmSenderOptions): AlarmSender {
  const now = options.now ?? Date.now;
  return {
    channel: "webhook",

    async send(event: AlarmEvent, target: AlarmTarget, signal?: AbortSignal): Promise<void> {
      if (target.channel !== "webhook") throw new Error(`the webhook alarm sender cannot deliver to a ${target.channel} target`);
      const shownUrl = redactUrl(target.url);
      if (!isHttpUrl(target.url)) throw new Error(`webhook ${shownUrl} is not an http or https URL`);

      const body = JSON.stringify(event);
      const timestamp = Math.floor(now() / 1000);
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "user-agent": "jobwire-alarm",
        [WEBHOOK_HEADERS.event]: event.kind,
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
      };
      if (options.secret !== null) headers[WEBHOOK_HEADERS.signature] = signWebhookPayload(options.secret, timestamp, body);

      const timeout = AbortSignal.timeout(options.timeoutMs);
      const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
      let response: Response;
      try {
        // Redirects are not followed: a 3xx is reported like any other non-2xx answer, so a receiver cannot
        // bounce the signed alarm to a host nobody configured.
        response = await fetch(target.url, { method: "POST", headers, body, signal: combined, redirect: "manual" });
      } catch (error) {
        if (timeout.aborted) throw new Error(`webhook ${shownUrl} did not answer within ${options.timeoutMs} ms`, { cause: error });
        if (signal?.aborted === true) throw new Error(`webhook ${shownUrl} was aborted`, { cause: error });
        throw new Error(`webhook ${shownUrl} could not be reached: ${causeText(error)}`, { cause: error });
      }
      if (response.status >= 200 && response.status < 300) {
        // Reading the answer to its end frees the connection for reuse; its content is of no interest.
        await response.arrayBuffer().catch(() => undefined);
        return;
      }
      const answer = await response.text().then(
        (text) => text.trim().slice(0, ERROR_BODY_MAX_CHARS),
        () => "",
      );
      throw new Error(`webhook ${shownUrl} answered ${response.status}${response.statusText === "" ? "" : ` ${response.statusText}`}${answer === "" ? "" : `: ${answer}`}`);
    },

    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}

/** The `x-jobwire-signature` value of `body` sent at `timestamp` (unix seconds): `sha256=<hex HMAC>`. */
export function signWebhookPayload(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
}

/**
 * For receivers: true when `signature` (the `x-jobwire-signature` header) is the signature of the raw request
 * `body` at `timestamp` (the `x-jobwire-timestamp` header) under `secret`, and the timestamp lies within
 * `toleranceSeconds` of `now` (epoch ms). Verify the body exactly as received, before parsing it. The comparison
 * takes the same time wherever the signatures differ, so it does not reveal how much of a forgery was right.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | null | undefined,
  body: string | Uint8Array,
  signature: string | null | undefined,
  toleranceSeconds: number = DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  now: number = Date.now(),
): boolean {
  if (timestamp === null || timestamp === undefined || signature === null || signature === undefined) return false;
  const stamp = String(timestamp);
  if (!/^\d{1,15}$/.test(stamp)) return false;
  if (Math.abs(now / 1000 - Number(stamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhookPayload(secret, stamp, body));
  const given = Buffer.from(signature.trim());
  // Lengths are public (every valid signature has the same length); only equal-length buffers can be compared.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** fetch reports network failures as "fetch failed" with the useful part (ECONNREFUSED, …) in its cause. */
function causeText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error && cause.message !== "") return `${error.message} (${cause.message})`;
  return error.message;
}
