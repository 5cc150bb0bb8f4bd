/**
 * Names of the gRPC metadata that admin↔executor calls carry. Both sides import them from here so that a
 * rename can never make one side silently stop authenticating.
 */

/** The executor group's app name; together with the token it identifies the caller's group. */
export const APP_NAME_HEADER = "jobwire-app-name";

/** Standard `authorization` metadata carrying `Bearer <token>`. */
export const AUTHORIZATION_HEADER = "authorization";

/** Formats a bearer credential for the `authorization` header. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/**
 * Extracts the token of a `Bearer <token>` header, or returns undefined when the header is absent or of another
 * scheme. The scheme is matched case-insensitively, as RFC 6750 allows.
 */
export function parseBearer(header: string | null | undefined): string | undefined {
  if (header == null) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
