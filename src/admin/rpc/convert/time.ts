import { durationFromMs, durationMs, timestampFromMs, timestampMs, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";

/** Domain instants are epoch ms with 0 meaning "unset"; proto leaves the message unset instead. */
export function toTimestamp(ms: number): Timestamp | undefined {
  return ms > 0 ? timestampFromMs(ms) : undefined;
}

export function fromTimestamp(timestamp: Timestamp | undefined): number {
  return timestamp === undefined ? 0 : timestampMs(timestamp);
}

export function toDuration(ms: number): Duration | undefined {
  return ms > 0 ? durationFromMs(ms) : undefined;
}

export function fromDuration(duration: Duration | undefined): number {
  return duration === undefined ? 0 : durationMs(duration);
}
