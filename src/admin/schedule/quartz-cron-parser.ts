import { CronExpressionError } from "./quartz-cron-error.js";
import { parseDayOfMonth, parseDayOfWeek, type DayRule } from "./quartz-cron-days.js";
import { FIRST_YEAR, HOUR, LAST_YEAR, MINUTE, MONTH, parseValueList, SECOND, YEAR } from "./quartz-cron-fields.js";

/**
 * A parsed Quartz cron expression: `second minute hour day-of-month month day-of-week [year]`, the format
 * XXL-JOB users write. Everything is validated up front so that an expression Quartz refuses (or silently
 * misreads) is refused here with the field at fault, and evaluation never meets a surprise.
 */
export interface QuartzSchedule {
  /** Ascending, never empty. */
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** Indexed by month 1-12. */
  readonly months: readonly boolean[];
  readonly days: DayRule;
  /** Indexed by year - FIRST_YEAR; every year when the field is absent. */
  readonly years: readonly boolean[];
}

/** Expressions longer than the job table's schedule column cannot be stored, so they are refused early. */
export const MAX_EXPRESSION_LENGTH = 255;

export function parseQuartzSchedule(expression: string): QuartzSchedule {
  const trimmed = expression.trim();
  if (trimmed.length === 0) throw new CronExpressionError('is empty; expected 6 or 7 fields, e.g. "0 0 12 * * ?"');
  if (trimmed.length > MAX_EXPRESSION_LENGTH) throw new CronExpressionError(`is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 6 && fields.length !== 7) {
    throw new CronExpressionError(`has ${fields.length} fields; Quartz needs 6 or 7: second minute hour day-of-month month day-of-week [year]`);
  }
  const [second = "", minute = "", hour = "", dayOfMonth = "", month = "", dayOfWeek = "", year] = fields;

  const seconds = parseValueList(SECOND, second);
  const minutes = parseValueList(MINUTE, minute);
  const hours = parseValueList(HOUR, hour);
  const monthList = parseValueList(MONTH, month);
  const yearList = year === undefined ? undefined : parseValueList(YEAR, year);

  for (const [name, text] of [["day-of-month", dayOfMonth], ["day-of-week", dayOfWeek]] as const) {
    if (text.includes("?") && text !== "?") throw CronExpressionError.inField(name, text, '"?" must be the whole field, not part of a list or range');
  }
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    throw new CronExpressionError(
      dayOfMonth === "?"
        ? 'must have "?" in exactly one of day-of-month and day-of-week, not both: one of them has to say which days fire'
        : 'must have "?" in exactly one of day-of-month and day-of-week (Quartz cannot constrain both; e.g. "0 0 12 * * ?" or "0 0 12 ? * MON")',
    );
  }
  const days = dayOfWeek === "?" ? parseDayOfMonth(dayOfMonth) : parseDayOfWeek(dayOfWeek);

  const months = Array.from({ length: 13 }, (_, m) => monthList.includes(m));
  const years = Array.from({ length: LAST_YEAR - FIRST_YEAR + 1 }, (_, i) => yearList === undefined || yearList.includes(FIRST_YEAR + i));
  return { seconds, minutes, hours, months, days: isEveryDay(days) ? { kind: "every-day" } : days, years };
}

/** `*` in either day field selects every day; recognising it keeps the search from filtering 31 days. */
function isEveryDay(rule: DayRule): boolean {
  if (rule.kind === "days-of-month") return rule.days.length === 31;
  if (rule.kind === "weekdays") return rule.weekdays.length === 7;
  return rule.kind === "every-day";
}
