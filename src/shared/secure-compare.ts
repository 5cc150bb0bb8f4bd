import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares two secrets in time independent of where they differ. Both sides are hashed first so that the
 * comparison also takes the same time whatever their lengths, which `timingSafeEqual` alone does not allow.
 * An empty expected secret never matches: an unset token must not mean "open".
 */
export function secretsEqual(expected: string, actual: string): boolean {
  if (expected.length === 0) return false;
  const a = createHash("sha256").update(expected, "utf8").digest();
  const b = createHash("sha256").update(actual, "utf8").digest();
  return timingSafeEqual(a, b);
}
