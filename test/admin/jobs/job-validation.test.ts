import { describe, expect, it } from "vitest";
import type { JobDefinition } from "../../../src/admin/domain/index.js";
import { validateJobDefinition } from "../../../src/admin/jobs/job-validation.js";

const valid: JobDefinition = {
  groupId: 1,
  name: "Nightly report",
  description: "",
  author: "ops",
  alarm: { emails: [], webhookUrls: [] },
  scheduleType: "CRON",
  scheduleConf: "0 0 2 * * ?",
  timeZone: "Asia/Shanghai",
  misfireStrategy: "DO_NOTHING",
  routeStrategy: "FIRST",
  handler: "reportHandler",
  param: "",
  blockStrategy: "SERIAL",
  concurrency: 1,
  timeoutSeconds: 0,
  retry: { count: 0, backoff: "FIXED", intervalMs: 0, maxIntervalMs: 600_000 },
  glueType: "BEAN",
  childJobIds: [],
};

describe("validateJobDefinition()", () => {
  it("accepts a complete definition", () => {
    expect(() => validateJobDefinition(valid)).not.toThrow();
  });

  it.each<[string, Partial<JobDefinition>, RegExp]>([
    ["empty name", { name: "" }, /^job\.display_name: is required/],
    ["long name", { name: "x".repeat(256) }, /^job\.display_name: must be at most 255/],
    ["empty author", { author: "" }, /^job\.author: is required/],
    ["bad cron", { scheduleConf: "0 0 2 * *" }, /^job\.schedule\.cron: "0 0 2 \* \*" has 5 fields/],
    ["cron without ?", { scheduleConf: "0 0 2 * * *" }, /^job\.schedule\.cron: .*exactly one of day-of-month and day-of-week/],
    ["unknown zone", { timeZone: "Mars/Olympus" }, /^job\.schedule\.time_zone: "Mars\/Olympus" is not an IANA time zone/],
    ["fractional rate", { scheduleType: "FIX_RATE", scheduleConf: "1.5" }, /^job\.schedule\.interval: must be a whole number of seconds/],
    ["zero delay", { scheduleType: "FIX_DELAY", scheduleConf: "0" }, /^job\.schedule\.interval/],
    ["BEAN without handler", { handler: "" }, /^job\.handler: is required for BEAN jobs/],
    ["long param", { param: "x".repeat(2_049) }, /^job\.param: must be at most 2048/],
    ["concurrency 0", { blockStrategy: "CONCURRENT", concurrency: 0 }, /^job\.concurrency/],
    ["negative timeout", { timeoutSeconds: -1 }, /^job\.timeout/],
    ["too many retries", { retry: { count: 101, backoff: "FIXED", intervalMs: 0, maxIntervalMs: 0 } }, /^job\.retry_policy\.max_retries/],
    ["max below initial", { retry: { count: 1, backoff: "EXPONENTIAL", intervalMs: 5_000, maxIntervalMs: 1_000 } }, /^job\.retry_policy\.max_interval/],
    ["bad email", { alarm: { emails: ["nope"], webhookUrls: [] } }, /^job\.alarm\.emails\[0\]: "nope" is not an email address/],
    ["bad webhook", { alarm: { emails: [], webhookUrls: ["ftp://x"] } }, /^job\.alarm\.webhook_urls\[0\]/],
    ["repeated child", { childJobIds: [2, 2] }, /^job\.child_jobs: must not repeat a job/],
  ])("refuses %s with a message naming the field", (_name, patch, message) => {
    expect(() => validateJobDefinition({ ...valid, ...patch })).toThrow(message);
  });

  it("does not require a handler for GLUE scripts", () => {
    expect(() => validateJobDefinition({ ...valid, glueType: "SHELL", handler: "" })).not.toThrow();
  });
});
