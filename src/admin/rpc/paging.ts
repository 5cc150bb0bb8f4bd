import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../errors.js";

/**
 * Page tokens (AIP-158) are opaque to clients: base64url of a versioned payload carrying the keyset cursor and
 * a digest of the request's filters. A token replayed with other filters is refused instead of silently
 * returning a mixed page. Tokens grant nothing: every page is still filtered by the caller's permissions.
 */
interface TokenPayload {
  readonly v: 1;
  readonly c: number;
  readonly f: string;
}

export function filterDigest(filters: unknown): string {
  return createHash("sha256").update(JSON.stringify(filters)).digest("base64url").slice(0, 16);
}

export function encodePageToken(cursor: number, filters: unknown): string {
  const payload: TokenPayload = { v: 1, c: cursor, f: filterDigest(filters) };
  return Buffer.from(JSON.stringify(payload)).toString("base64url");
}

/** The `next_page_token` of a list response: a token for `nextCursor`, empty on the last page. */
export function nextPageToken(nextCursor: number | undefined, filters: unknown): string {
  return nextCursor === undefined ? "" : encodePageToken(nextCursor, filters);
}

/** Returns the cursor of a token, undefined for the first page; INVALID_ARGUMENT for bad or mismatched tokens. */
export function decodePageToken(token: string, filters: unknown, field = "page_token"): number | undefined {
  if (token === "") return undefined;
  let payload: Partial<TokenPayload>;
  try {
    payload = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Partial<TokenPayload>;
  } catch {
    throw new InvalidArgumentError(field, "is not a token returned by this API");
  }
  if (payload.v !== 1 || typeof payload.c !== "number" || !Number.isSafeInteger(payload.c)) {
    throw new InvalidArgumentError(field, "is not a token returned by this API");
  }
  if (payload.f !== filterDigest(filters)) {
    throw new InvalidArgumentError(field, "was issued for a request with other filters; repeat the request's filters or start from the first page");
  }
  return payload.c;
}

/** Resolves `page_size`: 0 means the default, larger than max is reduced, negative is an error. */
export function resolvePageSize(pageSize: number, defaultSize: number, maxSize: number, field = "page_size"): number {
  if (pageSize < 0) throw new InvalidArgumentError(field, "must not be negative");
  if (pageSize === 0) return defaultSize;
  return Math.min(pageSize, maxSize);
}

/** Builds a repository page request, leaving the cursor out on the first page (exactOptionalPropertyTypes). */
export function withCursor(limit: number, cursor: number | undefined): { limit: number; cursor?: number } {
  return cursor === undefined ? { limit } : { limit, cursor };
}
