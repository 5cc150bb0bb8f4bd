import type { ZoneClock } from "./cron-time-zone.js";
import { matchingDays } from "./quartz-cron-days.js";
import { FIRST_YEAR, LAST_YEAR } from "./quartz-cron-fields.js";
import type { QuartzSchedule } from "./quartz-cron-parser.js";

/**
 * Finding the next fire time the way Quartz does, so that daylight-saving changes give the same answers.
 *
 * Quartz walks the local wall clock field by field: it starts one second after the given instant (dropping
 * milliseconds, so the result is strictly later), settles the second, then the minute, then the hour, then the
 * date. Whenever a field has to move it sets the lower fields to their start (a new minute starts at second 0,
 * a new hour at 00:00, a new day at 00:00:00) and starts over. Each of those "landings" goes through the zone
 * (cron-time-zone.ts): a landing inside a daylight-saving gap is pushed forward by the gap's length, and the
 * walk goes on from there. That is why, in New York, `0 30 2 * * ?` skips the spring-forward day (02:00:00
 * becomes 03:00:00, and hour 3 does not match) while `0 0 * * * ?` fires at 03:00, and why in a zone whose gap
 * is not a whole hour the result depends on where the walk lands. A wall time in an overlap fires once, at its
 * second (standard-time) instant, and a walk that starts in the first pass continues in the second.
 *
 * The walk here follows those rules; the dates are found with this module's own day rules (quartz-cron-days.ts)
 * in one step instead of Quartz's day-then-month-then-year steps, which land on the same midnight.
 */

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;
const FIRST_WALL_MS = Date.UTC(FIRST_YEAR, 0, 1);
const END_WALL_MS = Date.UTC(LAST_YEAR + 1, 0, 1);
/** Instants are clamped into a range that every zone offset (less than a day) keeps inside the years above. */
const EARLIEST_START_MS = FIRST_WALL_MS - 2 * DAY_MS;
/** Each step moves the walk forward and dates are found in one jump, so this bound is never reached in practice. */
const MAX_STEPS = 100_000;

interface WallFields {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function fieldsOf(wallMs: number): WallFields {
  const date = new Date(wallMs);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

/** Date.UTC lets fields overflow (minute 60, day 32) into the next unit, as Quartz's lenient calendar does. */
function wallOf(f: WallFields): number {
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
}

/** The first value at or above `from`, if any. */
function firstFrom(values: readonly number[], from: number): number | undefined {
  for (const value of values) if (value >= from) return value;
  return undefined;
}

/** The first fire time strictly after `afterMs`, or undefined when there is none (up to the end of LAST_YEAR). */
export function nextFireTime(schedule: QuartzSchedule, clock: ZoneClock, afterMs: number): number | undefined {
  if (Number.isNaN(afterMs)) throw new RangeError("the start instant is not a number");
  if (afterMs >= END_WALL_MS + DAY_MS) return undefined;
  const start = Math.floor(Math.max(afterMs, EARLIEST_START_MS) / SECOND_MS) * SECOND_MS + SECOND_MS;

  // Lands on an hour as Quartz does: if the gap pushed the wall clock off that hour, it asks for the next hour
  // instead (which keeps the pushed minutes and seconds).
  const landOnHour = (f: WallFields): number => {
    const landed = clock.normalize(wallOf(f));
    const landedFields = fieldsOf(landed);
    if (f.hour === 24 || landedFields.hour === f.hour) return landed;
    return clock.normalize(wallOf({ ...landedFields, hour: f.hour + 1 }));
  };

  let wall = clock.wallAt(start);
  for (let step = 0; step < MAX_STEPS; step++) {
    let f = fieldsOf(wall);
    if (f.year > LAST_YEAR) return undefined;

    const second = firstFrom(schedule.seconds, f.second);
    if (second === undefined) {
      wall = clock.normalize(wallOf({ ...f, minute: f.minute + 1, second: schedule.seconds[0] ?? 0 }));
      f = fieldsOf(wall);
    } else if (second !== f.second) {
      wall = clock.normalize(wallOf({ ...f, second }));
      f = fieldsOf(wall);
    }

    const minute = firstFrom(schedule.minutes, f.minute);
    if (minute !== f.minute) {
      const wrapped = minute === undefined;
      wall = landOnHour({ ...f, second: 0, minute: wrapped ? (schedule.minutes[0] ?? 0) : minute, hour: wrapped ? f.hour + 1 : f.hour });
      continue;
    }

    const hour = firstFrom(schedule.hours, f.hour);
    if (hour !== f.hour) {
      const wrapped = hour === undefined;
      wall = landOnHour({ ...f, second: 0, minute: 0, day: wrapped ? f.day + 1 : f.day, hour: wrapped ? (schedule.hours[0] ?? 0) : hour });
      continue;
    }

    const date = nextMatchingDate(schedule, f.year, f.month, f.day);
    if (date === undefined) return undefined;
    if (date !== Date.UTC(f.year, f.month - 1, f.day)) {
      wall = clock.normalize(date);
      continue;
    }
    return clock.instantOf(wall);
  }
  return undefined;
}

/** Wall milliseconds of the first date at or after year-month-day that fires, at midnight; undefined if none. */
export function nextMatchingDate(schedule: QuartzSchedule, fromYear: number, fromMonth: number, fromDay: number): number | undefined {
  for (let year = Math.max(fromYear, FIRST_YEAR); year <= LAST_YEAR; year++) {
    if (schedule.years[year - FIRST_YEAR] !== true) continue;
    const sameYear = year === fromYear;
    for (let month = sameYear ? fromMonth : 1; month <= 12; month++) {
      if (schedule.months[month] !== true) continue;
      const firstDay = sameYear && month === fromMonth ? fromDay : 1;
      const day = matchingDays(schedule.days, year, month).find((d) => d >= firstDay);
      if (day !== undefined) return Date.UTC(year, month - 1, day);
    }
  }
  return undefined;
}
