import { createHash, randomBytes } from "node:crypto";

/**
 * Session tokens, API key secrets and executor group tokens are random strings. Sessions and API keys are
 * stored only as SHA-256 hashes: a leaked database does not leak usable credentials. (Plain SHA-256 suffices
 * because the secrets carry 256 random bits; slow hashing is for low-entropy passwords.)
 */
export interface NewSecret {
  readonly secret: string;
  readonly hash: string;
  /** The first characters, to recognise a key in a list. */
  readonly prefix: string;
}

export function newSecret(kind: "session" | "apikey"): NewSecret {
  const secret = `jw${kind === "session" ? "s" : "k"}_${randomBytes(32).toString("base64url")}`;
  return { secret, hash: hashSecret(secret), prefix: secret.slice(0, 10) };
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** A random executor group access token (URL-safe, 43 characters). */
export function generateAccessToken(): string {
  return randomBytes(32).toString("base64url");
}
