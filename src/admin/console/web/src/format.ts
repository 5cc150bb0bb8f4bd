import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";

/** Local date and time of a timestamp, or a dash when unset. */
export function formatTime(ts: Timestamp | undefined): string {
  if (ts === undefined) return "—";
  const date = timestampDate(ts);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function formatDuration(duration: Duration | undefined): string {
  if (duration === undefined) return "—";
  const ms = Number(duration.seconds) * 1000 + Math.round(duration.nanos / 1e6);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 0)} s`;
}

export function durationSeconds(duration: Duration | undefined): number {
  return duration === undefined ? 0 : Number(duration.seconds);
}

/**
 * The label of a generated proto enum value: `RunState.SUCCEEDED` → "succeeded". protobuf-es enums are numeric
 * TypeScript enums, whose reverse mapping gives the short name without the type prefix.
 */
export function enumLabel(enumObject: Record<number, string>, value: number): string {
  const name = enumObject[value];
  return name === undefined ? String(value) : name.toLowerCase().replaceAll("_", " ");
}

/** The enum's values other than UNSPECIFIED (0), for select boxes. */
export function enumValues(enumObject: Record<string, string | number>): number[] {
  return Object.values(enumObject).filter((value): value is number => typeof value === "number" && value !== 0);
}

/** The numeric id at the end of a resource name, e.g. `jobs/12` → "12". */
export function resourceId(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}
