import { InvalidArgumentError } from "../../errors.js";

/**
 * Domain enums are string unions (`"CRON"`); generated proto enums are numeric TypeScript enums whose member
 * names are the same strings once protoc-gen-es strips the prefix (`ScheduleType.CRON`). These two helpers are
 * the only bridge, so adding a value to both sides needs no converter change.
 */
type ProtoEnum = Record<string, string | number>;

export function toProtoEnum<E extends ProtoEnum>(protoEnum: E, value: string): E[keyof E] {
  const converted = protoEnum[value];
  if (typeof converted !== "number") throw new Error(`no proto enum value for domain value "${value}"`);
  return converted as E[keyof E];
}

/**
 * Converts a proto enum value to the domain union. UNSPECIFIED (0) becomes `fallback` when one is given and is
 * an INVALID_ARGUMENT naming `field` otherwise; unknown numbers (from newer clients) are always refused.
 */
export function fromProtoEnum<T extends string>(protoEnum: ProtoEnum, value: number, allowed: readonly T[], field: string, fallback?: T): T {
  if (value === 0) {
    if (fallback !== undefined) return fallback;
    throw new InvalidArgumentError(field, `is required, one of ${allowed.join(", ")}`);
  }
  const name = protoEnum[value];
  if (typeof name !== "string" || !(allowed as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(field, `has an unknown value ${value}; allowed: ${allowed.join(", ")}`);
  }
  return name as T;
}
