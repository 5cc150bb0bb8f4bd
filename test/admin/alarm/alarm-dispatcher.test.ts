import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createAlarmDispatcher,
  createConfiguredAlarmDispatcher,
  createEmailAlarmSender,
  createWebhookAlarmSender,
  resolveAlarmOptions,
  type AlarmEvent,
  type AlarmSender,
  type AlarmTarget,
} from "../../../src/admin/alarm/index.js";
import type { Logger } from "../../../src/shared/logger.js";
import { waitFor } from "../../helpers/wait-for.js";
import { event } from "./fixtures.js";
import { startHttpSink } from "./http-sink.js";
import { parseMail, startSmtpSink } from "./smtp-sink.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** A hand-written channel for the dispatcher's own rules; the real channels are tested against real servers. */
function fakeSender(channel: AlarmSender["channel"], behaviour: (target: AlarmTarget, signal?: AbortSignal) => Promise<void>): AlarmSender & { closed: boolean; seen: AlarmTarget[] } {
  const fake = {
    channel,
    closed: false,
    seen: [] as AlarmTarget[],
    send(_event: AlarmEvent, target: AlarmTarget, signal?: AbortSignal): Promise<void> {
      fake.seen.push(target);
      return behaviour(target, signal);
    },
    close(): Promise<void> {
      fake.closed = true;
      return Promise.resolve();
    },
  };
  return fake;
}

function recordingLogger(): Logger & { warnings: { message: string; fields: Record<string, unknown> | undefined }[] } {
  const warnings: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  return { warnings, debug: () => {}, info: () => {}, error: () => {}, warn: (message, fields) => warnings.push({ message, fields }) };
}

describe("alarm dispatcher", () => {
  it("delivers one event by email and to every webhook of the job", async () => {
    const smtp = await startSmtpSink();
    const http = await startHttpSink();
    cleanups.push(() => smtp.close(), () => http.close());
    const options = resolveAlarmOptions({ smtpHost: "127.0.0.1", smtpPort: smtp.port, emailFrom: "alarms@example.com", webhookSecret: "0123456789abcdef" });
    const dispatcher = createConfiguredAlarmDispatcher(options);
    cleanups.push(() => dispatcher.close());
    expect([...dispatcher.channels].sort()).toEqual(["email", "webhook"]);

    const summary = await dispatcher.dispatch(event({ kind: "RUN_TIMED_OUT" }), {
      emails: ["ops@example.com", "dev@example.com"],
      webhookUrls: [`${http.url}/ok`, `${http.url}/accepted`],
    });

    expect(summary).toEqual({ attempted: 3, delivered: 3, failures: [] });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]?.rcptTo).toEqual(["ops@example.com", "dev@example.com"]);
    expect(parseMail(smtp.messages[0]?.raw ?? "").headers.get("subject")).toBe('[jobwire] job 12 "Nightly export" timed out (run 345)');
    expect(http.requests.map((r) => r.path).sort()).toEqual(["/accepted", "/ok"]);
    expect(http.requests.every((r) => r.headers["x-jobwire-event"] === "RUN_TIMED_OUT")).toBe(true);
  });

  it("does nothing for a job without targets", async () => {
    const sender = fakeSender("webhook", () => Promise.resolve());
    const summary = await createAlarmDispatcher({ senders: [sender], sendTimeoutMs: 1_000 }).dispatch(event(), { emails: [], webhookUrls: [] });
    expect(summary).toEqual({ attempted: 0, delivered: 0, failures: [] });
    expect(sender.seen).toEqual([]);
  });

  it("reports the targets of a channel that has no sender", async () => {
    const dispatcher = createConfiguredAlarmDispatcher(resolveAlarmOptions({}));
    expect(dispatcher.channels).toEqual(["webhook"]);
    const summary = await dispatcher.dispatch(event(), { emails: ["ops@example.com"], webhookUrls: [] });
    expect(summary.failures).toEqual([{ target: { channel: "email", addresses: ["ops@example.com"] }, error: "email alarms are not configured (set an SMTP host)" }]);
  });

  it("abandons a sender that ignores its deadline and still delivers the other targets", async () => {
    const sender = fakeSender("webhook", (target) => (target.channel === "webhook" && target.url.endsWith("/stuck") ? new Promise<void>(() => {}) : Promise.resolve()));
    const started = Date.now();
    const summary = await createAlarmDispatcher({ senders: [sender], sendTimeoutMs: 100 }).dispatch(event(), {
      emails: [],
      webhookUrls: ["https://a.example/stuck", "https://b.example/fine"],
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(summary.delivered).toBe(1);
    expect(summary.failures).toEqual([{ target: { channel: "webhook", url: "https://a.example/stuck" }, error: "no answer within 100 ms" }]);
  });

  it("passes an abort signal that fires at the deadline", async () => {
    let signalAtEnd: AbortSignal | undefined;
    const sender = fakeSender("webhook", (_target, signal) => {
      signalAtEnd = signal;
      return new Promise<void>((_, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted by the dispatcher"))));
    });
    const summary = await createAlarmDispatcher({ senders: [sender], sendTimeoutMs: 50 }).dispatch(event(), { emails: [], webhookUrls: ["https://a.example/x"] });
    expect(signalAtEnd?.aborted).toBe(true);
    expect(summary.failures[0]?.error).toBe("no answer within 50 ms");
  });

  it("turns a sender that throws synchronously into a failure of its target", async () => {
    const sender: AlarmSender = {
      channel: "webhook",
      send: () => {
        throw new Error("broken sender");
      },
      close: () => Promise.resolve(),
    };
    const summary = await createAlarmDispatcher({ senders: [sender], sendTimeoutMs: 1_000 }).dispatch(event(), { emails: [], webhookUrls: ["https://a.example/x"] });
    expect(summary.failures).toEqual([{ target: { channel: "webhook", url: "https://a.example/x" }, error: "broken sender" }]);
  });

  it("aborts a stuck SMTP conversation at the deadline and closes its connection", async () => {
    const sockets: Socket[] = [];
    let closedSockets = 0;
    const silent = createServer((socket) => {
      sockets.push(socket);
      socket.on("close", () => (closedSockets += 1));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const { port } = silent.address() as AddressInfo;
    const { email } = resolveAlarmOptions({ smtpHost: "127.0.0.1", smtpPort: port, emailFrom: "alarms@example.com", smtpConnectionTimeoutMs: 20_000 });
    if (email === null) throw new Error("email should be enabled");
    const dispatcher = createAlarmDispatcher({ senders: [createEmailAlarmSender(email)], sendTimeoutMs: 200 });
    cleanups.push(() => dispatcher.close());

    const summary = await dispatcher.dispatch(event(), { emails: ["ops@example.com"], webhookUrls: [] });
    expect(summary.failures[0]?.error).toBe("no answer within 200 ms");
    // nodemailer honours the signal: the connection is dropped instead of lingering for 20 s.
    await waitFor("the SMTP connection to close", () => (closedSockets === 1 ? true : undefined), 5_000);
  });

  it("logs each failed delivery once with job, run and a redacted target", async () => {
    const http = await startHttpSink();
    cleanups.push(() => http.close());
    const logger = recordingLogger();
    const dispatcher = createAlarmDispatcher({ senders: [createWebhookAlarmSender({ secret: null, timeoutMs: 1_000 })], sendTimeoutMs: 1_000, logger });
    await dispatcher.dispatch(event(), { emails: [], webhookUrls: [`${http.url}/fail?token=abc`, `${http.url}/ok`] });
    expect(logger.warnings).toEqual([
      {
        message: "alarm delivery failed",
        fields: { job: 12, run: 345, kind: "RUN_FAILED", target: `webhook:${http.url}/fail?…`, error: `webhook ${http.url}/fail?… answered 500 Internal Server Error: database unavailable` },
      },
    ]);
  });

  it("warns once at creation when webhooks will be unsigned", () => {
    const unsigned = recordingLogger();
    createConfiguredAlarmDispatcher(resolveAlarmOptions({}), unsigned);
    expect(unsigned.warnings.map((w) => w.message)).toEqual(["webhook alarms are unsigned: set a webhook secret so receivers can authenticate them"]);
    const signed = recordingLogger();
    createConfiguredAlarmDispatcher(resolveAlarmOptions({ webhookSecret: "0123456789abcdef" }), signed);
    expect(signed.warnings).toEqual([]);
  });

  it("closes its senders", async () => {
    const email = fakeSender("email", () => Promise.resolve());
    const webhook = fakeSender("webhook", () => Promise.resolve());
    await createAlarmDispatcher({ senders: [email, webhook], sendTimeoutMs: 1_000 }).close();
    expect([email.closed, webhook.closed]).toEqual([true, true]);
  });

  it("refuses two senders for one channel and a bad timeout", () => {
    const a = fakeSender("webhook", () => Promise.resolve());
    const b = fakeSender("webhook", () => Promise.resolve());
    expect(() => createAlarmDispatcher({ senders: [a, b], sendTimeoutMs: 1_000 })).toThrow(/two senders for the webhook channel/);
    expect(() => createAlarmDispatcher({ senders: [a], sendTimeoutMs: 0 })).toThrow(/"sendTimeoutMs"/);
  });
});
