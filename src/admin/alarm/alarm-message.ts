/**
 * Renders an alarm event for people: a one-line subject, a plain-text body and a simple HTML body. Kept apart
 * from the SMTP transport so that other human-facing channels can reuse the same wording.
 *
 * Every value in an event may come from a user (job names, handle messages written by handlers, executor
 * addresses reported by executors), so the HTML body escapes all of them and the subject strips line breaks.
 */
import type { AlarmEvent, AlarmKind } from "./alarm.js";

const OUTCOME: Record<AlarmKind, string> = {
  RUN_FAILED: "failed",
  RUN_TIMED_OUT: "timed out",
  RUN_LOST: "was lost",
  TRIGGER_FAILED: "could not be triggered",
};

/** Long names would push the run id out of view in mail clients, so the subject shortens them. */
const SUBJECT_NAME_MAX_CHARS = 100;

/** E.g. `[jobwire] job 12 "nightly export" failed (run 345)`. */
export function alarmSubject(event: AlarmEvent): string {
  let name = singleLine(event.jobName);
  if (name.length > SUBJECT_NAME_MAX_CHARS) name = `${name.slice(0, SUBJECT_NAME_MAX_CHARS - 1)}…`;
  return `[jobwire] job ${event.jobId} "${name}" ${OUTCOME[event.kind]} (run ${event.runId})`;
}

/** The labelled facts of an event, in display order, shared by the text and the HTML body. */
function alarmFacts(event: AlarmEvent): [string, string][] {
  const shard = event.shardTotal > 1 ? `, shard ${event.shardIndex + 1} of ${event.shardTotal}` : "";
  return [
    ["Alarm", event.kind],
    ["Job", `${event.jobId} "${event.jobName}"`],
    ["Executor group", `${event.groupTitle} (${event.groupAppName})`],
    ["Run", `${event.runId} (attempt ${event.attempt + 1}, ${event.retriesLeft} ${event.retriesLeft === 1 ? "retry" : "retries"} left${shard})`],
    ["Trigger type", event.triggerType],
    ["Handler", event.handler === "" ? "(script)" : event.handler],
    ["Executor", event.executorAddress === "" ? "(none chosen)" : event.executorAddress],
    ["Scheduled for", formatTime(event.scheduledTime)],
    ["Triggered at", formatTime(event.triggerTime)],
    ["Alarm raised at", formatTime(event.alarmTime)],
  ];
}

/** The plain-text body: a headline, the facts as aligned lines, the message verbatim and the console link. */
export function alarmText(event: AlarmEvent): string {
  const facts = alarmFacts(event);
  const width = Math.max(...facts.map(([label]) => label.length)) + 2;
  const lines = [`Job ${event.jobId} "${singleLine(event.jobName)}" ${OUTCOME[event.kind]} (run ${event.runId}).`, ""];
  for (const [label, value] of facts) lines.push(`${`${label}:`.padEnd(width)}${value}`);
  lines.push("", "Message:", event.message === "" ? "(none)" : event.message);
  if (event.consoleUrl !== null) lines.push("", `Console: ${event.consoleUrl}`);
  return `${lines.join("\n")}\n`;
}

/** The HTML body: the same content as the text body in a table; every interpolated value is escaped. */
export function alarmHtml(event: AlarmEvent): string {
  const rows = alarmFacts(event)
    .map(([label, value]) => `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join("\n");
  const message = event.message === "" ? "(none)" : event.message;
  const link = event.consoleUrl === null ? "" : `<p>Console: ${consoleLink(event.consoleUrl)}</p>\n`;
  return [
    "<!doctype html>",
    '<html><head><meta charset="utf-8"></head>',
    '<body style="font-family:system-ui,sans-serif">',
    `<p><strong>Job ${event.jobId} &quot;${escapeHtml(event.jobName)}&quot; ${escapeHtml(OUTCOME[event.kind])} (run ${event.runId}).</strong></p>`,
    `<table>\n${rows}\n</table>`,
    "<p><strong>Message</strong></p>",
    `<pre style="white-space:pre-wrap">${escapeHtml(message)}</pre>`,
    `${link}</body></html>`,
    "",
  ].join("\n");
}

/** Escapes the five characters that can end a text node or an attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Only http(s) URLs become links, so a misconfigured value can never be a `javascript:` link. */
function consoleLink(url: string): string {
  const escaped = escapeHtml(url);
  return /^https?:\/\//i.test(url) ? `<a href="${escaped}">${escaped}</a>` : escaped;
}

function formatTime(epochMs: number): string {
  return epochMs > 0 ? new Date(epochMs).toISOString() : "-";
}

/** Header values must not contain line breaks or other control characters. */
function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}
