/**
 * Email alarms over SMTP through nodemailer: one message per event, addressed to all of the job's alarm emails,
 * with a plain-text and an HTML alternative.
 *
 * The transport opens one connection per message instead of keeping a pool: alarms are rare, and a pooled
 * connection that the server dropped while idle would only turn the next alarm into a retry.
 */
import nodemailer from "nodemailer";
import type { AlarmEvent, AlarmSender, AlarmTarget } from "./alarm.js";
import { alarmHtml, alarmSubject, alarmText } from "./alarm-message.js";
import type { ResolvedEmailAlarmOptions } from "./alarm-options.js";

/** Creates the email channel from resolved options (`resolveAlarmOptions(...).email`). */
export function createEmailAlarmSender(options: ResolvedEmailAlarmOptions): AlarmSender {
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    auth: options.auth === null ? undefined : { user: options.auth.user, pass: options.auth.password },
    connectionTimeout: options.connectionTimeoutMs,
    greetingTimeout: options.connectionTimeoutMs,
    socketTimeout: options.sendTimeoutMs,
    // Alarms must not depend on DNS taking its default 30 s when the connection budget is shorter.
    dnsTimeout: options.connectionTimeoutMs,
  });
  const server = `${options.host}:${options.port}`;

  return {
    channel: "email",

    async send(event: AlarmEvent, target: AlarmTarget, signal?: AbortSignal): Promise<void> {
      if (target.channel !== "email") throw new Error(`the email alarm sender cannot deliver to a ${target.channel} target`);
      if (target.addresses.length === 0) throw new Error("the email alarm target has no address");
      let info: { accepted: unknown[]; rejected: unknown[] };
      try {
        info = await transport.sendMail({
          from: options.from,
          // Address objects are passed as they are, so an address is never re-parsed into several recipients.
          to: target.addresses.map((address) => ({ name: "", address })),
          subject: alarmSubject(event),
          text: alarmText(event),
          html: alarmHtml(event),
          headers: { "X-Jobwire-Event": event.kind, "X-Jobwire-Job-Id": String(event.jobId), "X-Jobwire-Run-Id": String(event.runId) },
          signal,
        });
      } catch (error) {
        throw new Error(`sending the alarm email through ${server} failed: ${errorText(error)}`, { cause: error });
      }
      // The server may take the message for some recipients and refuse others; the refused ones got no alarm.
      if (info.rejected.length > 0) {
        throw new Error(
          `${server} refused alarm email recipients ${info.rejected.map(addressText).join(", ")} (accepted ${info.accepted.length} of ${target.addresses.length})`,
        );
      }
    },

    close(): Promise<void> {
      transport.close();
      return Promise.resolve();
    },
  };
}

function addressText(address: unknown): string {
  if (typeof address === "string") return address;
  if (typeof address === "object" && address !== null && "address" in address && typeof address.address === "string") return address.address;
  return String(address);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
