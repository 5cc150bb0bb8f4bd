import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createAlarmDispatcher, createEmailAlarmSender, resolveAlarmOptions, type AlarmOptions, type AlarmSender } from "../../../src/admin/alarm/index.js";
import { event } from "./fixtures.js";
import { parseMail, startSmtpSink, type SmtpSink } from "./smtp-sink.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function sink(options: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const started = await startSmtpSink(options);
  cleanups.push(() => started.close());
  return started;
}

const FROM = "jobwire <alarms@example.com>";

function sender(port: number, extra: AlarmOptions = { emailFrom: FROM }): AlarmSender {
  const { email } = resolveAlarmOptions({ smtpHost: "127.0.0.1", smtpPort: port, ...extra });
  if (email === null) throw new Error("email should be enabled");
  const created = createEmailAlarmSender(email);
  cleanups.push(() => created.close());
  return created;
}

/** A port nothing listens on: bound once to learn a free number, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("email alarms over SMTP", () => {
  it("sends one message to all of the job's addresses with subject, text and escaped HTML", async () => {
    const smtp = await sink();
    const name = '<script>alert("x")</script> & export';
    await sender(smtp.port).send(event({ jobName: name, message: "line one\n<b>line two</b>" }), { channel: "email", addresses: ["ops@example.com", "dev@example.com"] });

    expect(smtp.messages).toHaveLength(1);
    const [received] = smtp.messages;
    expect(received?.mailFrom).toBe("alarms@example.com");
    expect(received?.rcptTo).toEqual(["ops@example.com", "dev@example.com"]);
    const mail = parseMail(received?.raw ?? "");
    expect(mail.headers.get("subject")).toBe(`[jobwire] job 12 "${name}" failed (run 345)`);
    expect(mail.headers.get("from")).toBe("jobwire <alarms@example.com>");
    expect(mail.headers.get("to")).toBe("ops@example.com, dev@example.com");
    expect(mail.headers.get("x-jobwire-event")).toBe("RUN_FAILED");
    expect(mail.headers.get("x-jobwire-run-id")).toBe("345");

    expect(mail.text).toContain(`Job 12 "${name}" failed (run 345).`);
    expect(mail.text).toContain("Orders service (orders-app)");
    expect(mail.text).toContain("http://10.0.0.5:9999");
    expect(mail.text).toContain("line one\n<b>line two</b>");
    expect(mail.text).toContain("Console: https://jobs.example.com");

    expect(mail.html).not.toContain("<script>");
    expect(mail.html).not.toContain("<b>line two");
    expect(mail.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; export");
    expect(mail.html).toContain("&lt;b&gt;line two&lt;/b&gt;");
  });

  it("logs in when credentials are configured", async () => {
    const smtp = await sink({ login: { user: "mailer@example.com", password: "s3cret-pass" } });
    await sender(smtp.port, { smtpUser: "mailer@example.com", smtpPassword: "s3cret-pass" }).send(event(), { channel: "email", addresses: ["ops@example.com"] });
    expect(smtp.logins).toEqual(["mailer@example.com:s3cret-pass"]);
    expect(smtp.messages[0]?.mailFrom).toBe("mailer@example.com");
  });

  it("fails with the server's answer when the login is wrong", async () => {
    const smtp = await sink({ login: { user: "mailer@example.com", password: "right" } });
    const sending = sender(smtp.port, { smtpUser: "mailer@example.com", smtpPassword: "wrong" }).send(event(), { channel: "email", addresses: ["ops@example.com"] });
    await expect(sending).rejects.toThrow(/sending the alarm email through 127\.0\.0\.1:\d+ failed: .*invalid login/i);
    expect(smtp.messages).toHaveLength(0);
  });

  it("reports recipients the server refused even when others got the message", async () => {
    const smtp = await sink({ refuse: ["gone@example.com"] });
    const sending = sender(smtp.port).send(event(), { channel: "email", addresses: ["ops@example.com", "gone@example.com"] });
    await expect(sending).rejects.toThrow(/refused alarm email recipients gone@example\.com \(accepted 1 of 2\)/);
    expect(smtp.messages[0]?.rcptTo).toEqual(["ops@example.com"]);
  });

  it("reports a server that is down as a failure of the target, not a thrown error", async () => {
    const port = await closedPort();
    const dispatcher = createAlarmDispatcher({ senders: [sender(port)], sendTimeoutMs: 5_000 });
    const summary = await dispatcher.dispatch(event(), { emails: ["ops@example.com"], webhookUrls: [] });
    expect(summary.attempted).toBe(1);
    expect(summary.delivered).toBe(0);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]?.target).toEqual({ channel: "email", addresses: ["ops@example.com"] });
    expect(summary.failures[0]?.error).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} failed: .*ECONNREFUSED`));
  });

  it("gives up on a server that accepts the connection but never greets", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    const sending = sender(port, { emailFrom: FROM, smtpConnectionTimeoutMs: 200 }).send(event(), { channel: "email", addresses: ["ops@example.com"] });
    await expect(sending).rejects.toThrow(/failed: .*greeting/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("refuses a target of another channel", async () => {
    await expect(sender(1).send(event(), { channel: "webhook", url: "https://example.com" })).rejects.toThrow(/cannot deliver to a webhook target/);
  });
});
