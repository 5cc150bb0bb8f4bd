import { describe, expect, it } from "vitest";
import { CronExpressionError, isValidTimeZone, parseQuartzCron } from "../../../src/admin/schedule/quartz-cron.js";

// Expected instants below were checked against Quartz 2.3.2's CronExpression.getNextValidTimeAfter.

const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
const fires = (expression: string, from: string, count: number, zone = "UTC"): string[] => parseQuartzCron(expression, zone).nextTimes(Date.parse(from), count).map(iso);
const day = (date: string, time = "12:00:00"): string => `2026-${date}T${time}Z`;

describe("parseQuartzCron(): Quartz features", () => {
  it("reads month and weekday names in any case", () => {
    const byName = fires("0 0 12 ? jan,Mar wEd", "2026-01-01T00:00:00Z", 6);
    expect(byName).toEqual(fires("0 0 12 ? 1,3 4", "2026-01-01T00:00:00Z", 6));
    expect(byName.slice(0, 4)).toEqual([day("01-07"), day("01-14"), day("01-21"), day("01-28")]);
  });

  it("numbers weekdays from 1 = Sunday to 7 = Saturday", () => {
    expect(fires("0 0 12 ? * 1,7", "2026-01-01T00:00:00Z", 3)).toEqual([day("01-03"), day("01-04"), day("01-10")]);
    expect(fires("0 0 9 ? * MON-FRI", "2026-01-01T00:00:00Z", 3, "Asia/Shanghai")).toEqual([day("01-01", "01:00:00"), day("01-02", "01:00:00"), day("01-05", "01:00:00")]);
  });

  it("L in day-of-month is the last day, February of a leap year included", () => {
    expect(fires("0 15 10 L * ?", "2028-02-01T00:00:00Z", 3)).toEqual(["2028-02-29T10:15:00Z", "2028-03-31T10:15:00Z", "2028-04-30T10:15:00Z"]);
  });

  it("L-n is n days before the last day, and skips a month too short for it", () => {
    expect(fires("0 0 12 L-3 * ?", "2026-01-01T00:00:00Z", 3)).toEqual([day("01-28"), day("02-25"), day("03-28")]);
    expect(fires("0 0 12 L-28 2 ?", "2026-01-01T00:00:00Z", 2)).toEqual(["2028-02-01T12:00:00Z", "2032-02-01T12:00:00Z"]);
    expect(fires("0 0 12 L-0 * ?", "2026-01-01T00:00:00Z", 2)).toEqual(fires("0 0 12 L * ?", "2026-01-01T00:00:00Z", 2));
  });

  it("LW is the last weekday of the month, L-nW the weekday nearest n days before the last day", () => {
    // 2026-01-31 is a Saturday and 2026-05-31 a Sunday: both move back to Friday.
    expect(fires("0 0 0 LW * ?", "2026-01-01T00:00:00Z", 5)).toEqual(["01-30", "02-27", "03-31", "04-30", "05-29"].map((d) => day(d, "00:00:00")));
    // 2026-03-28 is a Saturday.
    expect(fires("0 0 12 L-3W * ?", "2026-01-01T00:00:00Z", 3)).toEqual([day("01-28"), day("02-25"), day("03-27")]);
  });

  it("nW is the weekday nearest day n without leaving the month", () => {
    // 2026-02-15 is a Sunday (to Monday the 16th), 2026-03-15 a Sunday too.
    expect(fires("0 15 10 15W * ?", "2026-01-01T00:00:00Z", 4)).toEqual(["01-15", "02-16", "03-16", "04-15"].map((d) => day(d, "10:15:00")));
    // 2026-08-01 is a Saturday: 1W moves forward to Monday the 3rd rather than into July.
    expect(fires("0 0 9 1W * ?", "2026-07-01T00:00:00Z", 3)).toEqual([day("07-01", "09:00:00"), day("08-03", "09:00:00"), day("09-01", "09:00:00")]);
    // 2026-05-31 is a Sunday and the last day: back to Friday the 29th. June has no 31st.
    expect(fires("0 0 9 31W * ?", "2026-04-01T00:00:00Z", 3)).toEqual([day("05-29", "09:00:00"), day("07-31", "09:00:00"), day("08-31", "09:00:00")]);
    // Quartz reads the missing November 31st as December 1st; in 2029 that is a Saturday, so it fires on Friday the 30th.
    expect(fires("0 0 9 31W * ?", "2029-09-01T00:00:00Z", 2)).toEqual(["2029-10-31T09:00:00Z", "2029-11-30T09:00:00Z"]);
  });

  it("n#k is the k-th weekday n of the month, skipping months without one", () => {
    expect(fires("0 15 10 ? * 6#3", "2026-01-01T00:00:00Z", 3)).toEqual([day("01-16", "10:15:00"), day("02-20", "10:15:00"), day("03-20", "10:15:00")]);
    expect(fires("0 0 12 ? * MON#5", "2026-01-01T00:00:00Z", 3)).toEqual([day("03-30"), day("06-29"), day("08-31")]);
  });

  it("nL is the last weekday n of the month; L alone in day-of-week is Saturday", () => {
    const lastFridays = [day("01-30", "10:15:00"), day("02-27", "10:15:00"), day("03-27", "10:15:00")];
    expect(fires("0 15 10 ? * 6L", "2026-01-01T00:00:00Z", 3)).toEqual(lastFridays);
    expect(fires("0 15 10 ? * friL", "2026-01-01T00:00:00Z", 3)).toEqual(lastFridays);
    expect(fires("0 0 12 ? * 1L", "2026-01-01T00:00:00Z", 3)).toEqual([day("01-25"), day("02-22"), day("03-29")]);
    expect(fires("0 0 12 ? * L", "2026-01-01T00:00:00Z", 3)).toEqual([day("01-03"), day("01-10"), day("01-17")]);
  });

  it("ranges may wrap around the end of a field", () => {
    expect(fires("0 0 22-2 * * ?", "2026-01-01T00:00:00Z", 5)).toEqual(["01-01T01", "01-01T02", "01-01T22", "01-01T23", "01-02T00"].map((h) => `2026-${h}:00:00Z`));
    expect(fires("0 0 12 ? * FRI-MON", "2026-01-01T00:00:00Z", 5)).toEqual([day("01-02"), day("01-03"), day("01-04"), day("01-05"), day("01-09")]);
    expect(fires("0 0 12 1 NOV-FEB ?", "2026-01-01T00:00:00Z", 5)).toEqual([day("01-01"), day("02-01"), day("11-01"), day("12-01"), "2027-01-01T12:00:00Z"]);
    expect(fires("0 0 12 28-3 * ?", "2026-01-01T00:00:00Z", 5)).toEqual([day("01-01"), day("01-02"), day("01-03"), day("01-28"), day("01-29")]);
  });

  it("steps: a/b, */b, a-b/c, and a step over a wrapping range", () => {
    expect(fires("*/15 * * * * ?", "2026-01-01T00:00:00Z", 5)).toEqual(["00:00:15", "00:00:30", "00:00:45", "00:01:00", "00:01:15"].map((t) => day("01-01", t)));
    expect(fires("0 5/15 * * * ?", "2026-01-01T00:00:00Z", 5)).toEqual(["00:05:00", "00:20:00", "00:35:00", "00:50:00", "01:05:00"].map((t) => day("01-01", t)));
    expect(fires("0 0 12 10-20/3 * ?", "2026-01-01T00:00:00Z", 5)).toEqual([day("01-10"), day("01-13"), day("01-16"), day("01-19"), day("02-10")]);
    expect(fires("0 0 12 ? * */2", "2026-01-01T00:00:00Z", 5)).toEqual([day("01-01"), day("01-03"), day("01-04"), day("01-06"), day("01-08")]);
    expect(fires("0 0 12 28-3/2 * ?", "2026-01-01T00:00:00Z", 5)).toEqual([day("01-01"), day("01-03"), day("01-28"), day("01-30"), day("02-01")]);
    // Quartz caps the step of */s and a/s at the field's largest value, but not after a range: 5-10/60 is just 5.
    expect(fires("5-10/60 * * * * ?", "2026-01-01T00:00:00Z", 2)).toEqual([day("01-01", "00:00:05"), day("01-01", "00:01:05")]);
  });

  it("the optional year field: lists, ranges, steps; a past year never fires", () => {
    expect(fires("0 0 0 1 1 ? 2027,2029", "2026-01-01T00:00:00Z", 3)).toEqual(["2027-01-01T00:00:00Z", "2029-01-01T00:00:00Z"]);
    expect(fires("0 0 0 1 1 ? 2030/5", "2026-01-01T00:00:00Z", 3)).toEqual(["2030-01-01T00:00:00Z", "2035-01-01T00:00:00Z", "2040-01-01T00:00:00Z"]);
    expect(fires("0 0 0 1 1 ? 2027-2028", "2026-01-01T00:00:00Z", 3)).toEqual(["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"]);
    expect(parseQuartzCron("0 0 12 * * ? 2025", "UTC").next(Date.parse("2026-01-01T00:00:00Z"))).toBeUndefined();
  });

  it("a valid expression whose day never comes has no fire time", () => {
    expect(parseQuartzCron("0 0 0 31 2 ?", "UTC").next(Date.parse("2026-01-01T00:00:00Z"))).toBeUndefined();
    expect(parseQuartzCron("0 0 0 30 2 ?", "Asia/Shanghai").nextTimes(0, 3)).toEqual([]);
  });

  it("returns instants strictly after the start, at whole seconds", () => {
    expect(fires("* * * * * ?", "2026-01-01T12:00:00.500Z", 2)).toEqual([day("01-01", "12:00:01"), day("01-01", "12:00:02")]);
    expect(fires("0 0 12 * * ?", "2026-01-01T12:00:00Z", 1)).toEqual([day("01-02")]);
  });

  it("evaluates an empty zone in this process's zone", () => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const from = Date.parse("2026-06-01T00:00:00Z");
    expect(parseQuartzCron("0 30 9 ? * MON-FRI", "").nextTimes(from, 5)).toEqual(parseQuartzCron("0 30 9 ? * MON-FRI", zone).nextTimes(from, 5));
  });
});

describe("parseQuartzCron(): daylight saving, as Quartz", () => {
  it("a fire time in a spring-forward gap does not fire that day; an hourly schedule fires when the clocks resume", () => {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    expect(fires("0 30 2 * * ?", "2026-03-08T05:00:00Z", 2, "America/New_York")).toEqual(["2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"]);
    expect(fires("0 0 * * * ?", "2026-03-08T05:00:00Z", 3, "America/New_York")).toEqual(["2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"]);
    // Havana changes at midnight, so 2026-03-08 has no 00:00 and a midnight schedule skips it.
    expect(fires("0 0 0 * * ?", "2026-03-07T04:00:00Z", 2, "America/Havana")).toEqual(["2026-03-07T05:00:00Z", "2026-03-09T04:00:00Z"]);
  });

  it("a half-hour gap: the walk lands after the gap and goes on from there", () => {
    // Lord Howe, 2026-10-04 02:00 (+10:30) jumps to 02:30 (+11): 02:10 does not exist, 02:35 does.
    expect(fires("0 10,35 2 * * ?", "2026-10-03T14:00:00Z", 2, "Australia/Lord_Howe")).toEqual(["2026-10-03T15:35:00Z", "2026-10-04T15:10:00Z"]);
    // Coming from 01:31, the next minute 29 of hour 2 (02:29) lands at 02:59, so 02:30 and 02:31 are passed.
    expect(fires("0 29-31 1-3 * * ?", "2012-10-06T11:36:05Z", 4, "Australia/Lord_Howe")).toEqual(["2012-10-06T14:59:00Z", "2012-10-06T15:00:00Z", "2012-10-06T15:01:00Z", "2012-10-06T16:29:00Z"]);
  });

  it("a wall time repeated by a fall-back overlap fires once, at its standard-time instant", () => {
    // New York, 2026-11-01: 02:00 EDT goes back to 01:00 EST; 01:00 EDT is 05:00Z, 01:00 EST is 06:00Z.
    expect(fires("0 0/30 1 * * ?", "2026-11-01T04:30:00Z", 3, "America/New_York")).toEqual(["2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", "2026-11-02T06:00:00Z"]);
    // Starting in the first pass (01:10 EDT), the walk continues in the second one.
    expect(fires("0 * * * * ?", "2026-11-01T05:10:00Z", 2, "America/New_York")).toEqual(["2026-11-01T06:11:00Z", "2026-11-01T06:12:00Z"]);
    expect(fires("0 5 1 * * ?", "2026-11-01T05:10:00Z", 1, "America/New_York")).toEqual(["2026-11-02T06:05:00Z"]);
  });
});

describe("parseQuartzCron(): refusals name the field and the reason", () => {
  const refusal = (expression: string, zone = "UTC"): CronExpressionError => {
    try {
      parseQuartzCron(expression, zone);
    } catch (error) {
      if (error instanceof CronExpressionError) return error;
      throw error;
    }
    throw new Error(`"${expression}" was accepted`);
  };

  it.each([
    ["60 * * * * ?", "second", /"60": 60 is out of range; second values are 0-59/],
    ["0 60 12 * * ?", "minute", /60 is out of range; minute values are 0-59/],
    ["0 0 25 * * ?", "hour", /25 is out of range; hour values are 0-23/],
    ["0 0 12 32 * ?", "day-of-month", /32 is out of range; day-of-month values are 1-31/],
    ["0 0 12 0 * ?", "day-of-month", /0 is out of range/],
    ["0 0 12 ? 13 *", "month", /13 is out of range; month values are 1-12 or JAN-DEC/],
    ["0 0 12 ? * 8", "day-of-week", /8 is out of range; day-of-week values are 1-7 or SUN-SAT/],
    ["0 0 12 ? * 0", "day-of-week", /0 is out of range/],
    ["0 0 12 * * ? 1969", "year", /1969 is out of range; year values are 1970-2099/],
    ["0 0 12 * * ? 2100", "year", /2100 is out of range/],
    ["0 0 12 * * ? 2028-2027", "year", /starts after it ends/],
    ["0 0/60 * * * ?", "minute", /the step 60 is larger than 59/],
    ["0 0 0/24 * * ?", "hour", /the step 24 is larger than 23/],
    ["0 0 12 ? 1/13 *", "month", /the step 13 is larger than 12/],
    ["*/0 * * * * ?", "second", /a step of 0 never advances/],
    ["0 0 12 ? JAN-MAR/2 *", "month", /a step after a name is ignored by Quartz; write it with numbers, e.g. 1-3\/2/],
    ["0 0 12 ? * MON-5", "day-of-week", /mixes a name and a number/],
    ["0 0 12 ? * MONDAY", "day-of-week", /"MONDAY" is not a day-of-week value/],
    ["1,,2 * * * * ?", "second", /empty list item/],
    ["0 0 12 L-31 * ?", "day-of-month", /offset 31 from the last day must be 0-30/],
    ["0 0 12 L,15 * ?", "day-of-month", /L and W must be the field's only value/],
    ["0 0 12 1-5W * ?", "day-of-month", /"W" follows one day of the month/],
    ["0 0 12 27-30L * ?", "day-of-month", /"L" must start the field/],
    ["0 0 12 32W * ?", "day-of-month", /32W is out of range/],
    ["0 0 12 ? * 2#6", "day-of-week", /the number after "#" must be 1-5/],
    ["0 0 12 ? * 2#1,3#2", "day-of-week", /"#" must be the field's only value/],
    ["0 0 12 ? * 2L,3", "day-of-week", /L must be the field's only value/],
    ["0 0 12 ? * LW", "day-of-week", /expected L \(Saturday\) or nL/],
    ["0 0 12 2#1 * ?", "day-of-month", /"#" is only allowed in day-of-week/],
    ["0 0 12W * * ?", "hour", /L, W and # are only allowed as the whole day-of-month field/],
    ["? 0 12 * * ?", "second", /"\?" is only allowed as the whole day-of-month or day-of-week field/],
    ["0 0 12 ?,1 * ?", "day-of-month", /"\?" must be the whole field/],
  ])("%s: %s", (expression, field, reason) => {
    const error = refusal(expression);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`has an invalid ${field} field`);
    expect(error.message).toMatch(reason);
  });

  it.each([
    ["0 0 12 * * *", /exactly one of day-of-month and day-of-week/],
    ["0 0 12 15 * MON", /exactly one of day-of-month and day-of-week/],
    ["0 0 0 ? * ?", /exactly one of day-of-month and day-of-week, not both/],
    ["0 0 12 * *", /^has 5 fields; Quartz needs 6 or 7/],
    ["0 0 12 * * ? 2027 extra", /^has 8 fields/],
    ["   ", /^is empty/],
  ])("%s: the expression as a whole", (expression, reason) => {
    expect(refusal(expression).message).toMatch(reason);
  });

  it("refuses an unknown time zone", () => {
    expect(refusal("0 0 12 * * ?", "Mars/Olympus").message).toMatch(/"Mars\/Olympus" is not an IANA time zone/);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("Asia/Shanghai")).toBe(true);
  });
});
