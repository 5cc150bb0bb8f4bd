import { zoneClock } from "../../schedule/cron-time-zone.js";

const DAY_MS = 86_400_000;

/** The calendar days of a range in a time zone. */
export interface DayRange {
  /** `YYYY-MM-DD` of each day, oldest first. */
  readonly days: string[];
  /** Start instant of each day, then the start of the day after the last: `days.length + 1` bounds. */
  readonly bounds: number[];
}

/**
 * The days of [startMs, endMs) in `timeZone`: from the day holding `startMs` to the day holding `endMs - 1`.
 * Day starts are local midnights (or the first instant after a midnight that daylight saving skips), so a day
 * lasts 23 or 25 hours around a transition, exactly like the daily report's days (see scheduler/report-day.ts).
 */
export function daysOfRange(startMs: number, endMs: number, timeZone: string): DayRange {
  const clock = zoneClock(timeZone);
  const firstWall = Math.floor(clock.wallAt(startMs) / DAY_MS) * DAY_MS;
  const lastWall = Math.floor(clock.wallAt(endMs - 1) / DAY_MS) * DAY_MS;
  const days: string[] = [];
  const bounds: number[] = [];
  for (let wall = firstWall; wall <= lastWall + DAY_MS; wall += DAY_MS) {
    if (wall <= lastWall) days.push(new Date(wall).toISOString().slice(0, 10));
    bounds.push(clock.instantOf(clock.normalize(wall)));
  }
  return { days, bounds };
}

/** Number of days a range spans, without building it (for the size check before any work). */
export function dayCount(startMs: number, endMs: number, timeZone: string): number {
  const clock = zoneClock(timeZone);
  return Math.floor(clock.wallAt(endMs - 1) / DAY_MS) - Math.floor(clock.wallAt(startMs) / DAY_MS) + 1;
}
