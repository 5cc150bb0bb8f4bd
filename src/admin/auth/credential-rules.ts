import { InvalidArgumentError } from "../errors.js";

/** Usernames: 4–64 characters from `[A-Za-z0-9._@-]` (wide enough for e-mail addresses, safe in logs and URLs). */
export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{4,64}$/;

export const PASSWORD_RULE = { min: 8, max: 128 } as const;

export function checkUsername(username: string, field: string): void {
  if (username === "") throw new InvalidArgumentError(field, "is required");
  if (!USERNAME_PATTERN.test(username)) {
    throw new InvalidArgumentError(field, `"${username}" must be 4–64 characters from letters, digits and . _ @ -`);
  }
}

/**
 * The password strength rule: 8–128 characters (length is what matters against guessing; scrypt makes each
 * guess expensive), at least two distinct characters, and not containing the username, which is the first
 * thing an attacker tries. Longer limits than XXL-JOB's 4–20 on purpose: pass phrases must fit.
 */
export function checkPassword(password: string, field: string, username?: string): void {
  if (password.length < PASSWORD_RULE.min || password.length > PASSWORD_RULE.max) {
    throw new InvalidArgumentError(field, `must be ${PASSWORD_RULE.min}–${PASSWORD_RULE.max} characters`);
  }
  if (new Set(password).size < 2) throw new InvalidArgumentError(field, "must not repeat a single character");
  if (username !== undefined && username.length > 0 && password.toLowerCase().includes(username.toLowerCase())) {
    throw new InvalidArgumentError(field, "must not contain the username");
  }
}
