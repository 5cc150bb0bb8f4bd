import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/args.js";
import { enumLabel, listFlag, parseDuration, parseEnum, parseTime, resourceName } from "../../src/cli/api/proto-values.js";
import { ScheduleType, ScheduleTypeSchema } from "../../src/gen/jobwire/v1/job_pb.js";

describe("CLI flag values", () => {
  it.each([
    ["cron", ScheduleType.CRON],
    ["fix-rate", ScheduleType.FIX_RATE],
    ["FIX_DELAY", ScheduleType.FIX_DELAY],
    ["SCHEDULE_TYPE_NONE", ScheduleType.NONE],
  ])("reads enum %s", (text, value) => {
    expect(parseEnum(ScheduleTypeSchema, "schedule-type", text)).toBe(value);
  });

  it.each(["unspecified", "sometimes", ""])("refuses enum %j, listing the choices", (text) => {
    expect(() => parseEnum(ScheduleTypeSchema, "schedule-type", text)).toThrow(new UsageError(`--schedule-type must be one of none, cron, fix-rate, fix-delay; got "${text}"`));
  });

  it("labels enum values the way they are typed", () => {
    expect(enumLabel(ScheduleTypeSchema, ScheduleType.FIX_RATE)).toBe("fix-rate");
    expect(enumLabel(ScheduleTypeSchema, ScheduleType.UNSPECIFIED)).toBe("");
  });

  it.each([
    ["30", 30, 0],
    ["30s", 30, 0],
    ["5m", 300, 0],
    ["2h", 7_200, 0],
    ["1d", 86_400, 0],
    ["1500ms", 1, 500_000_000],
  ])("reads duration %s", (text, seconds, nanos) => {
    const duration = parseDuration("timeout", text);
    expect([Number(duration.seconds), duration.nanos]).toEqual([seconds, nanos]);
  });

  it.each(["-5s", "5 minutes", "1.5h", ""])("refuses duration %j", (text) => {
    expect(() => parseDuration("timeout", text)).toThrow(UsageError);
  });

  it("reads absolute and relative times", () => {
    expect(Number(parseTime("since", "2026-01-31T12:00:00Z").seconds)).toBe(Date.UTC(2026, 0, 31, 12) / 1000);
    expect(Number(parseTime("since", "-2h", 10_000_000).seconds)).toBe((10_000_000 - 7_200_000) / 1000);
    expect(() => parseTime("since", "yesterday")).toThrow(UsageError);
  });

  it("completes bare ids to resource names and splits list flags", () => {
    expect(resourceName("jobs", "12")).toBe("jobs/12");
    expect(resourceName("jobs", "jobs/12")).toBe("jobs/12");
    expect(listFlag(["a,b", " c ", ""])).toEqual(["a", "b", "c"]);
    expect(listFlag(undefined)).toBeUndefined();
  });
});
