import { afterEach, describe, expect, it } from "vitest";
import {
  createAlarmDispatcher,
  createWebhookAlarmSender,
  resolveAlarmOptions,
  signWebhookPayload,
  verifyWebhookSignature,
  type AlarmSender,
} from "../../../src/admin/alarm/index.js";
import { event } from "./fixtures.js";
import { startHttpSink, type HttpSink } from "./http-sink.js";

const SECRET = "webhook-secret-0123456789";
const NOW = 1_700_000_010_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function sink(): Promise<HttpSink> {
  const started = await startHttpSink();
  cleanups.push(() => started.close());
  return started;
}

function sender(options: { secret?: string; timeoutMs?: number } = {}): AlarmSender {
  const { webhook } = resolveAlarmOptions({
    ...(options.secret === undefined ? {} : { webhookSecret: options.secret }),
    ...(options.timeoutMs === undefined ? {} : { webhookTimeoutMs: options.timeoutMs }),
  });
  return createWebhookAlarmSender({ ...webhook, now: () => NOW });
}

describe("webhook alarms", () => {
  it("POSTs the event as JSON with event, timestamp and a signature that verifies", async () => {
    const http = await sink();
    const sent = event({ jobName: 'quote " and <tag>' });
    await sender({ secret: SECRET }).send(sent, { channel: "webhook", url: `${http.url}/ok` });

    expect(http.requests).toHaveLength(1);
    const [request] = http.requests;
    if (request === undefined) throw new Error("no request");
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/ok");
    expect(JSON.parse(request.body)).toEqual(sent);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["x-jobwire-event"]).toBe("RUN_FAILED");
    expect(request.headers["x-jobwire-timestamp"]).toBe(String(NOW / 1000));
    const signature = request.headers["x-jobwire-signature"];
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signature).toBe(signWebhookPayload(SECRET, NOW / 1000, request.body));

    const timestamp = String(request.headers["x-jobwire-timestamp"]);
    expect(verifyWebhookSignature(SECRET, timestamp, request.body, String(signature), 300, NOW)).toBe(true);
    expect(verifyWebhookSignature(SECRET, timestamp, Buffer.from(request.body), String(signature), 300, NOW + 299_000)).toBe(true);
  });

  it("fails verification for a tampered body, a wrong secret, a moved timestamp or a malformed signature", async () => {
    const http = await sink();
    await sender({ secret: SECRET }).send(event(), { channel: "webhook", url: `${http.url}/ok` });
    const [request] = http.requests;
    if (request === undefined) throw new Error("no request");
    const timestamp = String(request.headers["x-jobwire-timestamp"]);
    const signature = String(request.headers["x-jobwire-signature"]);

    expect(verifyWebhookSignature(SECRET, timestamp, request.body.replace('"runId":345', '"runId":346'), signature, 300, NOW)).toBe(false);
    expect(verifyWebhookSignature("another-secret-0123456789", timestamp, request.body, signature, 300, NOW)).toBe(false);
    // The signature covers the timestamp, so a replay cannot simply claim a fresh one.
    expect(verifyWebhookSignature(SECRET, String(Number(timestamp) + 1), request.body, signature, 300, NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, request.body, signature.slice(0, -2), 300, NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, request.body, signature.toUpperCase(), 300, NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, "12abc", request.body, signature, 300, NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, undefined, request.body, signature, 300, NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, request.body, undefined, 300, NOW)).toBe(false);
  });

  it("fails verification when the timestamp is outside the tolerance", async () => {
    const http = await sink();
    await sender({ secret: SECRET }).send(event(), { channel: "webhook", url: `${http.url}/ok` });
    const [request] = http.requests;
    if (request === undefined) throw new Error("no request");
    const timestamp = String(request.headers["x-jobwire-timestamp"]);
    const signature = String(request.headers["x-jobwire-signature"]);

    expect(verifyWebhookSignature(SECRET, timestamp, request.body, signature, 300, NOW + 300_000)).toBe(true);
    expect(verifyWebhookSignature(SECRET, timestamp, request.body, signature, 300, NOW + 301_000)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, request.body, signature, 300, NOW - 301_000)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, request.body, signature, 60, NOW + 61_000)).toBe(false);
  });

  it("sends no signature without a secret", async () => {
    const http = await sink();
    await sender().send(event(), { channel: "webhook", url: `${http.url}/ok` });
    expect(http.requests[0]?.headers["x-jobwire-signature"]).toBeUndefined();
    expect(http.requests[0]?.headers["x-jobwire-timestamp"]).toBe(String(NOW / 1000));
  });

  it("rejects a non-2xx answer naming the URL, the status and the start of the answer", async () => {
    const http = await sink();
    await expect(sender().send(event(), { channel: "webhook", url: `${http.url}/fail` })).rejects.toThrow(
      `webhook ${http.url}/fail answered 500 Internal Server Error: database unavailable`,
    );
  });

  it("does not follow redirects", async () => {
    const http = await sink();
    await expect(sender().send(event(), { channel: "webhook", url: `${http.url}/redirect` })).rejects.toThrow(`webhook ${http.url}/redirect answered 302`);
    expect(http.requests.map((r) => r.path)).toEqual(["/redirect"]);
  });

  it("keeps query strings, where tokens often live, out of error messages", async () => {
    const http = await sink();
    const error = await sender()
      .send(event(), { channel: "webhook", url: `${http.url}/fail?access_token=abc123` })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`webhook ${http.url}/fail?… answered 500`);
    expect((error as Error).message).not.toContain("abc123");
  });

  it("gives up on a receiver that does not answer within its timeout", async () => {
    const http = await sink();
    await expect(sender({ timeoutMs: 150 }).send(event(), { channel: "webhook", url: `${http.url}/hang` })).rejects.toThrow(
      `webhook ${http.url}/hang did not answer within 150 ms`,
    );
  });

  it("only sends to http and https URLs", async () => {
    await expect(sender().send(event(), { channel: "webhook", url: "file:///etc/passwd" })).rejects.toThrow(/is not an http or https URL/);
    await expect(sender().send(event(), { channel: "webhook", url: "not a url" })).rejects.toThrow(/is not an http or https URL/);
  });

  it("reports non-2xx and timeouts per target while the other targets are still delivered", async () => {
    const http = await sink();
    const dispatcher = createAlarmDispatcher({ senders: [sender({ secret: SECRET, timeoutMs: 200 })], sendTimeoutMs: 5_000 });
    const summary = await dispatcher.dispatch(event(), {
      emails: [],
      webhookUrls: [`${http.url}/ok`, `${http.url}/fail`, `${http.url}/hang`, `${http.url}/accepted`],
    });
    expect(summary.attempted).toBe(4);
    expect(summary.delivered).toBe(2);
    expect(summary.failures).toEqual([
      { target: { channel: "webhook", url: `${http.url}/fail` }, error: `webhook ${http.url}/fail answered 500 Internal Server Error: database unavailable` },
      { target: { channel: "webhook", url: `${http.url}/hang` }, error: `webhook ${http.url}/hang did not answer within 200 ms` },
    ]);
    expect(http.requests.map((r) => r.path).sort()).toEqual(["/accepted", "/fail", "/hang", "/ok"]);
    for (const request of http.requests) {
      expect(verifyWebhookSignature(SECRET, request.headers["x-jobwire-timestamp"] as string, request.body, request.headers["x-jobwire-signature"] as string, 300, NOW)).toBe(true);
    }
  });

  it("reports an unreachable receiver", async () => {
    const http = await sink();
    const url = http.url;
    await http.close();
    await expect(sender().send(event(), { channel: "webhook", url: `${url}/ok` })).rejects.toThrow(new RegExp(`webhook ${url}/ok could not be reached: .*ECONNREFUSED`));
  });
});
