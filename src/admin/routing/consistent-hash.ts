import { createHash } from "node:crypto";
import { chosen, type RouteInput, type RouteStrategyImpl } from "./route-strategy.js";

const VIRTUAL_NODES = 100;

/** The first four bytes of the MD5 digest as an unsigned 32-bit little-endian number. */
function hash(key: string): number {
  return createHash("md5").update(key).digest().readUInt32LE(0);
}

/**
 * CONSISTENT_HASH: every address gets 100 points on a hash ring and a job goes to the first point at or after the
 * hash of its id. The ring depends only on the set of addresses, not their order, and when an address joins or
 * leaves only the jobs next to its points move.
 */
export function createConsistentHashStrategy(): RouteStrategyImpl {
  let cachedKey = "";
  let ring: { point: number; address: string }[] = [];
  const ringFor = (addresses: readonly string[]): typeof ring => {
    const key = [...addresses].sort().join("\n");
    if (key !== cachedKey) {
      ring = addresses.flatMap((address) => Array.from({ length: VIRTUAL_NODES }, (_, i) => ({ point: hash(`SHARD-${address}-NODE-${i}`), address })));
      ring.sort((a, b) => a.point - b.point || a.address.localeCompare(b.address));
      cachedKey = key;
    }
    return ring;
  };
  return {
    strategy: "CONSISTENT_HASH",
    route: ({ jobId, addresses }: RouteInput) => {
      const points = ringFor(addresses);
      const target = hash(String(jobId));
      // Binary search for the first point at or after the job's hash, wrapping to the start of the ring.
      let low = 0;
      let high = points.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if ((points[mid]?.point ?? 0) < target) low = mid + 1;
        else high = mid;
      }
      return chosen((points[low] ?? points[0])?.address ?? "");
    },
  };
}
