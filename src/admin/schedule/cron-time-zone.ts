/**
 * Local wall-clock time in an IANA zone, read the way Quartz's CronExpression reads it through a lenient
 * java.util.Calendar:
 * - a wall time that happens once is that instant;
 * - a wall time repeated by a daylight-saving overlap (clocks go back) is its second, standard-time
 *   occurrence, so it fires once;
 * - a wall time that a gap skips (clocks go forward) is read with the offset in force before the gap, which
 *   lands the same distance after the gap (02:30 becomes 03:30 when 02:00 jumps to 03:00).
 *
 * "Wall milliseconds" are the local date and time written as if they were UTC (Date.UTC of the local fields),
 * which keeps the calendar arithmetic in plain integer code.
 */

const DAY_MS = 86_400_000;

export interface ZoneClock {
  readonly zone: string;
  /** Wall milliseconds of an instant. */
  wallAt(instantMs: number): number;
  /** The wall time a lenient calendar shows after being set to `wallMs`: itself, unless a gap skips it. */
  normalize(wallMs: number): number;
  /** The instant of a wall time that exists; in an overlap, the later one. */
  instantOf(wallMs: number): number;
}

/** True if `zone` is an IANA time zone this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  if (zone.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The zone this process runs in (TZ, else the system's), used when an expression has no zone of its own. */
export function processTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const clocks = new Map<string, ZoneClock>();

/** A clock for an IANA zone; callers check the zone with isValidTimeZone first. */
export function zoneClock(zone: string): ZoneClock {
  let clock = clocks.get(zone);
  if (clock === undefined) {
    clock = createZoneClock(zone);
    clocks.set(zone, clock);
  }
  return clock;
}

/** Offsets of days without a nearby transition are remembered; the bound only limits memory. */
const STABLE_DAY_CACHE_LIMIT = 20_000;

function createZoneClock(zone: string): ZoneClock {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });

  // Callers keep instants within a few centuries of 1970, where the formatted year is a plain positive number.
  const formattedWallAt = (instantMs: number): number => {
    const seconds = Math.floor(instantMs / 1000) * 1000;
    const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
    for (const part of format.formatToParts(seconds)) parts[part.type] = Number(part.value);
    const wall = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
    return wall + (instantMs - seconds);
  };
  const formattedOffsetAt = (instantMs: number): number => formattedWallAt(instantMs) - instantMs;

  // Formatting costs microseconds and the scheduler asks for many fire times, so for each UTC day whose
  // offset is the same from the day before to the day after (no transition within a day of it) the offset is
  // kept; no zone changes its offset twice within three days.
  const stableOffsets = new Map<number, number | null>();
  const stableOffset = (dayNumber: number): number | null => {
    let offset = stableOffsets.get(dayNumber);
    if (offset === undefined) {
      const before = formattedOffsetAt((dayNumber - 1) * DAY_MS);
      offset = before === formattedOffsetAt((dayNumber + 2) * DAY_MS) ? before : null;
      if (stableOffsets.size >= STABLE_DAY_CACHE_LIMIT) stableOffsets.clear();
      stableOffsets.set(dayNumber, offset);
    }
    return offset;
  };
  const offsetAt = (instantMs: number): number => stableOffset(Math.floor(instantMs / DAY_MS)) ?? formattedOffsetAt(instantMs);

  /** The instants showing `wallMs`, with the offset in force a day earlier (for a gap). */
  const readings = (wallMs: number): { instants: number[]; offsetBefore: number } => {
    // Offsets never exceed a day, so a stable day around the wall time's date means a single reading.
    const stable = stableOffset(Math.floor(wallMs / DAY_MS));
    if (stable !== null) return { instants: [wallMs - stable], offsetBefore: stable };
    const offsetBefore = formattedOffsetAt(wallMs - DAY_MS);
    const offsetAfter = formattedOffsetAt(wallMs + DAY_MS);
    const instants: number[] = [];
    for (const offset of offsetBefore === offsetAfter ? [offsetBefore] : [offsetBefore, offsetAfter]) {
      if (formattedOffsetAt(wallMs - offset) === offset) instants.push(wallMs - offset);
    }
    return { instants, offsetBefore };
  };

  return {
    zone,
    wallAt: (instantMs) => instantMs + offsetAt(instantMs),
    normalize: (wallMs) => {
      const { instants, offsetBefore } = readings(wallMs);
      if (instants.length > 0) return wallMs;
      const instant = wallMs - offsetBefore;
      return instant + formattedOffsetAt(instant);
    },
    instantOf: (wallMs) => {
      const { instants, offsetBefore } = readings(wallMs);
      return instants.length === 0 ? wallMs - offsetBefore : Math.max(...instants);
    },
  };
}
