import { isValidTimeZone, processTimeZone, zoneClock } from "./cron-time-zone.js";
import { CronExpressionError } from "./quartz-cron-error.js";
import { parseQuartzSchedule } from "./quartz-cron-parser.js";
import { nextFireTime } from "./quartz-cron-search.js";

/**
 * Quartz cron expressions (what XXL-JOB users write), evaluated the way Quartz 2.3.2's CronExpression does:
 * seconds first, 6 or 7 fields (the 7th is the year, 1970-2099), `?` in exactly one of day-of-month and
 * day-of-week, names (JAN-DEC, SUN-SAT, any case), lists, ranges (wrapping ranges such as `FRI-MON` included),
 * steps, and the specials L, L-n, LW, L-nW, nW, nL and n#k. The checked-in golden file
 * (../shared/fixtures/quartz-cron.tsv, produced by real Quartz) pins the behaviour.
 *
 * This is an evaluator of our own rather than croner: croner lacks L-n and a bare L in day-of-week, accepts
 * several expressions Quartz refuses, and handles daylight saving differently from Quartz. Where Quartz
 * silently misreads an expression (a step after a name, W on a range or list, # or L mixed into a list,
 * trailing characters or fields, a step of 0) we refuse it with a message instead of guessing. Schedules end
 * with 2099, the last year Quartz documents.
 *
 * Daylight saving, as Quartz (quartz-cron-search.ts has the details): a fire time inside a spring-forward gap
 * does not exist, so it does not fire; the search lands where the clocks resume and goes on from there, so
 * `0 30 2 * * ?` skips that day in New York while an hourly schedule fires at 03:00. A wall time repeated by a
 * fall-back overlap fires once, at its second (standard-time) occurrence.
 */
export { CronExpressionError } from "./quartz-cron-error.js";
export { isValidTimeZone } from "./cron-time-zone.js";

export interface QuartzCron {
  readonly expression: string;
  readonly timeZone: string;
  /** The first fire time strictly after `afterMs`, or undefined when the expression never fires again. */
  next(afterMs: number): number | undefined;
  /** Up to `count` fire times strictly after `afterMs`, ascending. */
  nextTimes(afterMs: number, count: number): number[];
}

// The scheduler asks for the next fire time of every due job on every tick, so parsed expressions are kept;
// they are immutable, and the bound keeps a stream of distinct expressions from growing memory.
const CACHE_LIMIT = 1000;
const cache = new Map<string, QuartzCron>();

/**
 * Parses and validates a Quartz expression for a zone ("" = this process's zone); throws CronExpressionError
 * saying what is wrong, naming the field when one field is at fault.
 */
export function parseQuartzCron(expression: string, timeZone: string): QuartzCron {
  const zone = timeZone === "" ? processTimeZone() : timeZone;
  const key = `${zone}\u0000${expression}`;
  const cached = cache.get(key);
  if (cached !== undefined && cached.timeZone === timeZone) return cached;
  if (!isValidTimeZone(zone)) throw new CronExpressionError(`cannot be evaluated: "${timeZone}" is not an IANA time zone, e.g. "Asia/Shanghai" or "UTC"`);
  const schedule = parseQuartzSchedule(expression);
  const clock = zoneClock(zone);
  const next = (afterMs: number): number | undefined => nextFireTime(schedule, clock, afterMs);
  const cron: QuartzCron = {
    expression: expression.trim(),
    timeZone,
    next,
    nextTimes: (afterMs, count) => {
      const times: number[] = [];
      let from = afterMs;
      while (times.length < count) {
        const at = next(from);
        if (at === undefined) break;
        times.push(at);
        from = at;
      }
      return times;
    },
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, cron);
  return cron;
}
