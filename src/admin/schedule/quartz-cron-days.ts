import { CronExpressionError } from "./quartz-cron-error.js";
import { DAY_OF_MONTH, DAY_OF_WEEK, parseFieldValue, parseValueList } from "./quartz-cron-fields.js";

/**
 * Which days of a month fire. Quartz constrains the day through exactly one of day-of-month and day-of-week
 * (the other is `?`), so one rule describes both fields:
 * - day-of-month: a value list; `L` (last day), `L-n` (n days before the last day, 0-30), `LW` (last weekday,
 *   i.e. Monday to Friday, of the month), `L-nW`, `nW` (the weekday nearest day n, never leaving the month);
 * - day-of-week (1 = SUN … 7 = SAT): a value list; `L` alone (Saturday, the last day of the week); `nL` (the
 *   last weekday n of the month); `n#k` (the k-th weekday n of the month, k = 1-5).
 * Quartz only supports the specials as the field's single value, so combining them with a list is refused.
 */
export type DayRule =
  | { readonly kind: "every-day" }
  | { readonly kind: "days-of-month"; readonly days: readonly number[] }
  | { readonly kind: "last-day"; readonly offset: number; readonly nearestWeekday: boolean }
  | { readonly kind: "nearest-weekday"; readonly day: number }
  | { readonly kind: "weekdays"; readonly weekdays: readonly number[] }
  | { readonly kind: "nth-weekday"; readonly weekday: number; readonly nth: number }
  | { readonly kind: "last-weekday"; readonly weekday: number };

const SATURDAY = 7;
const SUNDAY = 1;

/** Reads the day-of-month field (not `?`, which the caller handles). */
export function parseDayOfMonth(text: string): DayRule {
  const upper = text.toUpperCase();
  if (!/[LW#]/.test(upper)) return { kind: "days-of-month", days: parseValueList(DAY_OF_MONTH, text) };
  const fail = (reason: string): never => {
    throw CronExpressionError.inField(DAY_OF_MONTH.name, text, reason);
  };
  if (upper.includes("#")) fail('"#" is only allowed in day-of-week (n#k, the k-th weekday n of the month)');
  if (upper.includes(",")) fail("L and W must be the field's only value; Quartz does not combine them with other days");
  if (upper.startsWith("L")) {
    const last = /^L(?:-(\d+))?(W?)$/.exec(upper);
    if (last === null) return fail('expected L, L-n (n days before the last day), LW or L-nW');
    const offset = Number(last[1] ?? "0");
    if (offset > 30) fail(`the offset ${offset} from the last day must be 0-30`);
    return { kind: "last-day", offset, nearestWeekday: last[2] === "W" };
  }
  if (upper.includes("L")) fail('"L" must start the field: L, L-n (n days before the last day), LW or L-nW');
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest === null) return fail('"W" follows one day of the month, e.g. 15W (the weekday nearest the 15th) or LW; not a range, step or list');
  const day = Number(nearest[1]);
  if (day < 1 || day > 31) fail(`${day}W is out of range; the day before W must be 1-31`);
  return { kind: "nearest-weekday", day };
}

/** Reads the day-of-week field (not `?`, which the caller handles). */
export function parseDayOfWeek(text: string): DayRule {
  const upper = text.toUpperCase();
  const fail = (reason: string): never => {
    throw CronExpressionError.inField(DAY_OF_WEEK.name, text, reason);
  };
  if (upper.includes("#")) {
    if (upper.includes(",")) fail('"#" must be the field\'s only value; Quartz supports one nth weekday');
    const nth = /^([A-Z]+|\d+)#(\d*)$/.exec(upper);
    if (nth === null) return fail("expected n#k, e.g. 6#3 or FRI#3 (the third Friday of the month)");
    const weekday = parseFieldValue(DAY_OF_WEEK, text, nth[1] ?? "").value;
    const k = Number(nth[2] === "" ? "0" : nth[2]);
    if (!(k >= 1 && k <= 5)) fail(`the number after "#" must be 1-5 (which occurrence in the month), got "${nth[2]}"`);
    return { kind: "nth-weekday", weekday, nth: k };
  }
  if (upper === "L") return { kind: "weekdays", weekdays: [SATURDAY] };
  // L is not part of any weekday name, so any other L is a last-weekday special.
  if (upper.includes("L")) {
    if (upper.includes(",")) fail("L must be the field's only value; Quartz does not combine it with other days");
    const last = /^([A-Z]+|\d+)L$/.exec(upper);
    if (last === null) return fail("expected L (Saturday) or nL, e.g. 6L or FRIL (the last Friday of the month)");
    return { kind: "last-weekday", weekday: parseFieldValue(DAY_OF_WEEK, text, last[1] ?? "").value };
  }
  return { kind: "weekdays", weekdays: parseValueList(DAY_OF_WEEK, text) };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday … 7 = Saturday, Quartz's numbering. */
export function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

/**
 * The weekday (Monday to Friday) nearest `day`, without leaving the month: a Saturday moves back to Friday
 * unless it is the 1st (then forward to Monday the 3rd); a Sunday moves forward to Monday unless it is the
 * last day (then back to Friday).
 */
function nearestWeekday(year: number, month: number, day: number, lastDay: number): number {
  const weekday = weekdayOf(year, month, day);
  if (weekday === SATURDAY) return day === 1 ? 3 : day - 1;
  if (weekday === SUNDAY) return day === lastDay ? day - 2 : day + 1;
  return day;
}

/** The days of `month` (1-12) of `year` that the rule selects, ascending. */
export function matchingDays(rule: DayRule, year: number, month: number): number[] {
  const lastDay = daysInMonth(year, month);
  switch (rule.kind) {
    case "every-day":
      return range(1, lastDay);
    case "days-of-month":
      return rule.days.filter((day) => day <= lastDay);
    case "last-day": {
      const day = lastDay - rule.offset;
      // An offset reaching before the 1st (L-30 in February) selects no day that month.
      if (day < 1) return [];
      return [rule.nearestWeekday ? nearestWeekday(year, month, day, lastDay) : day];
    }
    case "nearest-weekday":
      if (rule.day <= lastDay) return [nearestWeekday(year, month, rule.day, lastDay)];
      // A day the month lacks (31W in April) is read by Quartz as the date it rolls over to: when that is a
      // Saturday, the 1st of the next month, the day before it, this month's last day, fires; otherwise the
      // month has no fire.
      return rule.day === lastDay + 1 && weekdayOf(year, month, rule.day) === SATURDAY ? [lastDay] : [];
    case "weekdays": {
      const first = weekdayOf(year, month, 1);
      return range(1, lastDay).filter((day) => rule.weekdays.includes(((first - 1 + day - 1) % 7) + 1));
    }
    case "nth-weekday": {
      const day = firstOccurrence(year, month, rule.weekday) + 7 * (rule.nth - 1);
      return day <= lastDay ? [day] : [];
    }
    case "last-weekday": {
      const first = firstOccurrence(year, month, rule.weekday);
      return [first + 7 * Math.floor((lastDay - first) / 7)];
    }
  }
}

function firstOccurrence(year: number, month: number, weekday: number): number {
  return 1 + ((weekday - weekdayOf(year, month, 1) + 7) % 7);
}

function range(from: number, to: number): number[] {
  const days: number[] = [];
  for (let day = from; day <= to; day++) days.push(day);
  return days;
}
