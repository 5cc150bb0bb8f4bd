import type { DescEnum } from "@bufbuild/protobuf";
import { durationFromMs, timestampDate, timestampFromMs, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { UsageError } from "../args.js";

/**
 * Parses an enum flag given as its short name in any case, with `-` or `_` (`fix-rate`, `FIX_RATE`), or as the
 * full proto name (`SCHEDULE_TYPE_FIX_RATE`). The unspecified value is refused: the user meant something.
 */
export function parseEnum(schema: DescEnum, flag: string, text: string): number {
  const wanted = text.trim().toUpperCase().replace(/-/g, "_");
  const value = schema.values.find((v) => v.number !== 0 && (v.name === wanted || v.localName.toUpperCase() === wanted));
  if (value === undefined) {
    const choices = schema.values.filter((v) => v.number !== 0).map((v) => v.localName.toLowerCase().replace(/_/g, "-"));
    throw new UsageError(`--${flag} must be one of ${choices.join(", ")}; got "${text}"`);
  }
  return value.number;
}

/** The short lower-case name of an enum value for tables (`fix-rate`), or "" for the unspecified value. */
export function enumLabel(schema: DescEnum, value: number): string {
  if (value === 0) return "";
  const found = schema.values.find((v) => v.number === value);
  return found === undefined ? String(value) : found.localName.toLowerCase().replace(/_/g, "-");
}

/** `jobs/12` for `12` or `jobs/12`; anything else is passed on for the server to judge. */
export function resourceName(collection: string, id: string): string {
  return /^\d+$/.test(id) ? `${collection}/${id}` : id;
}

/** The id part of a resource name, for tables (`jobs/12` → `12`). */
export function shortId(name: string): string {
  const slash = name.lastIndexOf("/");
  return slash < 0 ? name : name.slice(slash + 1);
}

/** Parses a duration flag: whole seconds (`30`), or with a unit (`500ms`, `30s`, `5m`, `2h`, `1d`). */
export function parseDuration(flag: string, text: string): Duration {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (match?.[1] === undefined) throw new UsageError(`--${flag} must be a duration such as 30, 30s, 5m or 2h; got "${text}"`);
  const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? "s"] ?? 1_000;
  return durationFromMs(Number(match[1]) * unitMs);
}

/** Parses a time flag: RFC 3339 / ISO 8601, or relative to now (`-1h`, `-30m`, `-2d`). */
export function parseTime(flag: string, text: string, now = Date.now()): Timestamp {
  const relative = /^-(\d+)(s|m|h|d)$/.exec(text.trim());
  if (relative?.[1] !== undefined && relative[2] !== undefined) {
    const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2]] ?? 1_000;
    return timestampFromMs(now - Number(relative[1]) * unitMs);
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--${flag} must be a time such as 2026-01-31T12:00:00Z or -1h; got "${text}"`);
  return timestampFromMs(ms);
}

/** A timestamp for tables: ISO 8601 in UTC to the second, or "" when unset. */
export function timeLabel(timestamp: Timestamp | undefined): string {
  return timestamp === undefined ? "" : timestampDate(timestamp).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A duration for tables: `30s`, or "" when unset. */
export function durationLabel(duration: Duration | undefined): string {
  if (duration === undefined) return "";
  const ms = Number(duration.seconds) * 1_000 + Math.round(duration.nanos / 1e6);
  return ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}

/** Splits a comma-separated list flag, dropping empty entries; repeated flags are joined first. */
export function listFlag(value: string | boolean | string[] | undefined): string[] | undefined {
  if (value === undefined || typeof value === "boolean") return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(","));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}
