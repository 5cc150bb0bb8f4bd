import { describe, expect, it } from "vitest";
import {
  ALARM_MESSAGE_MAX_CHARS,
  alarmHtml,
  alarmKindOfRun,
  alarmSubject,
  alarmTargetsOf,
  alarmText,
  buildAlarmEvent,
  describeAlarmTarget,
} from "../../../src/admin/alarm/index.js";
import { event, group, job, run } from "./fixtures.js";

describe("buildAlarmEvent", () => {
  it("takes job, group and run details and the configured console URL", () => {
    const built = buildAlarmEvent(job(), run(), group(), "RUN_FAILED", { consoleUrl: "https://jobs.example.com", now: 1_700_000_006_000 });
    expect(built).toEqual(event());
  });

  it("uses the trigger reply as the message of a run no executor accepted", () => {
    const report = {
      triggerType: "SCHEDULE" as const,
      adminNode: "admin-1",
      routeStrategy: "ROUND" as const,
      addressType: "AUTO" as const,
      addresses: [],
      chosenAddress: "",
      blockStrategy: "SERIAL" as const,
      timeoutSeconds: 0,
      retriesLeft: 0,
      probes: [],
      replyCode: "unavailable",
      replyMessage: 'no executor address: group "orders-app" has no live executor',
      durationMs: 3,
    };
    const failed = run({ triggerState: "FAILED", state: "FAILED", triggerReport: report, handleMessage: "", executorAddress: "" });
    const built = buildAlarmEvent(job(), failed, group(), "TRIGGER_FAILED", { now: 1 });
    expect(built.message).toBe('unavailable: no executor address: group "orders-app" has no live executor');
    expect(built.consoleUrl).toBeNull();
    expect(built.executorAddress).toBe("");
  });

  it("caps a huge message so alarms stay bounded", () => {
    const built = buildAlarmEvent(job(), run({ handleMessage: "x".repeat(100_000) }), group(), "RUN_FAILED", { now: 1 });
    expect(built.message.length).toBe(ALARM_MESSAGE_MAX_CHARS);
    expect(built.message.endsWith("(truncated)")).toBe(true);
  });

  it("is plain data that survives JSON unchanged", () => {
    const built = buildAlarmEvent(job(), run(), group(), "RUN_LOST", { now: 5 });
    expect(JSON.parse(JSON.stringify(built))).toEqual(built);
  });
});

describe("alarmKindOfRun", () => {
  it.each([
    [{ triggerState: "FAILED", state: "FAILED" }, "TRIGGER_FAILED"],
    [{ state: "FAILED" }, "RUN_FAILED"],
    [{ state: "TIMED_OUT" }, "RUN_TIMED_OUT"],
    [{ state: "LOST" }, "RUN_LOST"],
    [{ state: "SUCCEEDED" }, null],
    [{ state: "KILLED" }, null],
    [{ state: "RUNNING" }, null],
  ] as const)("maps %j to %s", (fields, kind) => {
    expect(alarmKindOfRun(run(fields))).toBe(kind);
  });
});

describe("alarmTargetsOf", () => {
  it("makes one email target for all addresses and one target per webhook URL, without blanks or duplicates", () => {
    const targets = alarmTargetsOf({
      emails: ["ops@example.com", " OPS@example.com ", "", "dev@example.com"],
      webhookUrls: ["https://a.example/h", "https://a.example/h", "  ", "https://b.example/h?token=secret"],
    });
    expect(targets).toEqual([
      { channel: "email", addresses: ["ops@example.com", "dev@example.com"] },
      { channel: "webhook", url: "https://a.example/h" },
      { channel: "webhook", url: "https://b.example/h?token=secret" },
    ]);
    expect(targets.map(describeAlarmTarget)).toEqual(["email:ops@example.com,dev@example.com", "webhook:https://a.example/h", "webhook:https://b.example/h?…"]);
  });

  it("returns nothing for a job without alarm targets", () => {
    expect(alarmTargetsOf({ emails: [], webhookUrls: [] })).toEqual([]);
  });
});

describe("alarm message", () => {
  it("names job, kind and run in the subject", () => {
    expect(alarmSubject(event())).toBe('[jobwire] job 12 "Nightly export" failed (run 345)');
    expect(alarmSubject(event({ kind: "RUN_TIMED_OUT" }))).toBe('[jobwire] job 12 "Nightly export" timed out (run 345)');
    expect(alarmSubject(event({ kind: "RUN_LOST" }))).toBe('[jobwire] job 12 "Nightly export" was lost (run 345)');
    expect(alarmSubject(event({ kind: "TRIGGER_FAILED" }))).toBe('[jobwire] job 12 "Nightly export" could not be triggered (run 345)');
  });

  it("keeps the subject on one line and short", () => {
    const subject = alarmSubject(event({ jobName: `evil\r\nBcc: victim@example.com ${"y".repeat(300)}` }));
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.length).toBeLessThan(160);
    expect(subject.endsWith("failed (run 345)")).toBe(true);
  });

  it("writes every detail into the text body", () => {
    const text = alarmText(event({ shardIndex: 1, shardTotal: 4 }));
    for (const expected of [
      'Job 12 "Nightly export" failed (run 345).',
      "Orders service (orders-app)",
      "345 (attempt 2, 0 retries left, shard 2 of 4)",
      "http://10.0.0.5:9999",
      "2023-11-14T22:13:20.000Z",
      "2023-11-14T22:13:20.020Z",
      "export failed: disk full",
      "Console: https://jobs.example.com",
    ]) {
      expect(text).toContain(expected);
    }
  });

  it("escapes every user-controlled value in the HTML body", () => {
    const html = alarmHtml(
      event({
        jobName: "<script>alert(1)</script>",
        groupTitle: `"quoted" & 'single'`,
        message: "<img src=x onerror=alert(2)>",
        executorAddress: "http://<b>host</b>:1",
        consoleUrl: 'https://jobs.example.com/"><script>',
      }),
    );
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>host");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&quot;quoted&quot; &amp; &#39;single&#39;");
    expect(html).toContain("&lt;img src=x onerror=alert(2)&gt;");
    expect(html).toContain('href="https://jobs.example.com/&quot;&gt;&lt;script&gt;"');
  });

  it("links the console only for http(s) URLs", () => {
    expect(alarmHtml(event({ consoleUrl: "javascript:alert(1)" }))).not.toContain("href=");
    expect(alarmHtml(event({ consoleUrl: null }))).not.toContain("Console:");
  });
});
