import { Cron } from "croner";

/**
 * Quartz cron expressions (what XXL-JOB users write) evaluated with croner. croner's Quartz-compatible options
 * (seconds first, optional year, Quartz weekday numbering 1 = Sunday, numeric-prefix steps such as `0/5`) do
 * most of the work; the checks below add the Quartz rules croner is lenient about, so that an expression Quartz
 * refuses is refused here too.
 */
export class CronExpressionError extends Error {
  override readonly name = "CronExpressionError";
}

export interface QuartzCron {
  readonly expression: string;
  readonly timeZone: string;
  /** The first fire time strictly after `afterMs`, or undefined when the expression never fires again. */
  next(afterMs: number): number | undefined;
  /** Up to `count` fire times strictly after `afterMs`, ascending. */
  nextTimes(afterMs: number, count: number): number[];
}

/** Parses and validates a Quartz expression; throws CronExpressionError saying what is wrong. */
export function parseQuartzCron(expression: string, timeZone: string): QuartzCron {
  const trimmed = expression.trim();
  if (trimmed.length === 0) throw new CronExpressionError("is empty; expected 6 or 7 fields, e.g. \"0 0 12 * * ?\"");
  if (trimmed.length > 128) throw new CronExpressionError("is longer than 128 characters");
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 6 && fields.length !== 7) {
    throw new CronExpressionError(`has ${fields.length} fields; Quartz needs 6 or 7: second minute hour day-of-month month day-of-week [year]`);
  }
  const dayOfMonth = fields[3] ?? "";
  const dayOfWeek = fields[5] ?? "";
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    throw new CronExpressionError("must have \"?\" in exactly one of day-of-month and day-of-week (Quartz does not support both)");
  }
  // Quartz reads a bare "L" in day-of-week as the last day of the week, Saturday (7 in Quartz numbering).
  if (dayOfWeek === "L") fields[5] = "7";
  let cron: Cron;
  try {
    cron = new Cron(fields.join(" "), {
      paused: true,
      mode: "6-or-7-parts",
      alternativeWeekdays: true,
      sloppyRanges: true,
      ...(timeZone === "" ? {} : { timezone: timeZone }),
    });
  } catch (error) {
    throw new CronExpressionError(error instanceof Error ? error.message : String(error));
  }
  const next = (afterMs: number): number | undefined => cron.nextRun(new Date(afterMs))?.getTime();
  return {
    expression: trimmed,
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
}

/** True if `zone` is an IANA time zone this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
