/**
 * Converters between column values and domain values that several repositories share. Values read from the
 * database are checked rather than cast, so a row written by a newer or broken writer fails loudly at the edge
 * instead of spreading an impossible value through the domain.
 */
import { toNumber } from "./dialect.js";

/** Thrown when a stored value cannot be converted to its domain type. */
export class CorruptRowError extends Error {
  override readonly name = "CorruptRowError";
}

/** Checks that a varchar column holds one of an enum's values. */
export function enumValue<T extends string>(allowed: readonly T[], value: string, column: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new CorruptRowError(`column ${column} holds "${value}", which is not one of ${allowed.join(", ")}`);
  return found;
}

function parseJson(text: string, column: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CorruptRowError(`column ${column} does not hold valid JSON`);
  }
}

export function stringList(text: string, column: string): string[] {
  const value = parseJson(text, column);
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === "string")) {
    throw new CorruptRowError(`column ${column} does not hold a JSON array of strings`);
  }
  return value;
}

export function numberList(text: string, column: string): number[] {
  const value = parseJson(text, column);
  if (!Array.isArray(value) || !value.every((item): item is number => typeof item === "number")) {
    throw new CorruptRowError(`column ${column} does not hold a JSON array of numbers`);
  }
  return value;
}

export function numberRecord(text: string, column: string): Record<string, number> {
  const value = parseJson(text, column);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CorruptRowError(`column ${column} does not hold a JSON object`);
  }
  const record: Record<string, number> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "number") throw new CorruptRowError(`column ${column} holds a non-numeric value for "${key}"`);
    record[key] = item;
  }
  return record;
}

/** Parses a JSON object column whose structure jobwire itself wrote; only its being an object is checked. */
export function jsonObject<T extends object>(text: string, column: string): T {
  const value = parseJson(text, column);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CorruptRowError(`column ${column} does not hold a JSON object`);
  }
  return value as T;
}

/** JSON for a list or record column. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Reads an integer column (ids, epoch ms, counters) whatever type the driver produced. */
export function int(value: unknown): number {
  return toNumber(value);
}
