import type { GlueType } from "../domain/index.js";
import { InvalidArgumentError } from "../errors.js";
import { JOB_LIMITS } from "./job-validation.js";

/** Remark limits of a saved GLUE version, as XXL-JOB enforces them on the server. */
export const GLUE_REMARK_CHARS = { min: 4, max: 100 } as const;

/** Remark of the version a job's initial source (on create, copy or import) is saved as. */
export const INITIAL_GLUE_REMARK = "initial version";

/**
 * Checks and normalises a GLUE script source: required, at most `JOB_LIMITS.glueSourceChars`, and for shell
 * scripts without carriage returns (a script saved from a Windows browser would otherwise fail in bash with
 * `$'\r': command not found`).
 */
export function normalizeGlueSource(glueType: GlueType, source: string, field: string): string {
  const normalized = glueType === "SHELL" ? source.replace(/\r/g, "") : source;
  if (normalized.trim() === "") throw new InvalidArgumentError(field, "is required for a GLUE script job");
  if (normalized.length > JOB_LIMITS.glueSourceChars) throw new InvalidArgumentError(field, `must be at most ${JOB_LIMITS.glueSourceChars} characters`);
  return normalized;
}

/** Checks a version remark: 4–100 characters after trimming, no control characters. */
export function normalizeGlueRemark(remark: string, field: string): string {
  const trimmed = remark.trim();
  if (trimmed.length < GLUE_REMARK_CHARS.min || trimmed.length > GLUE_REMARK_CHARS.max) {
    throw new InvalidArgumentError(field, `must be ${GLUE_REMARK_CHARS.min} to ${GLUE_REMARK_CHARS.max} characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new InvalidArgumentError(field, "must not contain control characters");
  return trimmed;
}
