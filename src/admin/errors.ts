/**
 * Domain errors of the admin. Services throw these; `rpc/to-connect-error.ts` is the one place that maps them
 * to gRPC status codes, so no handler ever builds a status by hand and no `{code, msg}` value is ever returned.
 */

/** The request is malformed; `field` names the offending request field (e.g. `job.schedule.cron`). */
export class InvalidArgumentError extends Error {
  override readonly name = "InvalidArgumentError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A named resource does not exist (or the caller may not know it exists). */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
  constructor(readonly resource: string) {
    super(`${resource} not found`);
  }
}

/** A resource with the same unique key already exists. */
export class AlreadyExistsError extends Error {
  override readonly name = "AlreadyExistsError";
}

/** The request is valid but the system is not in a state that allows it. */
export class FailedPreconditionError extends Error {
  override readonly name = "FailedPreconditionError";
}

/** Optimistic concurrency failed: the resource changed since the caller read it. */
export class AbortedError extends Error {
  override readonly name = "AbortedError";
}

/** The caller is authenticated but not allowed to do this. */
export class PermissionDeniedError extends Error {
  override readonly name = "PermissionDeniedError";
}

/** The caller is not authenticated (missing, wrong or expired credential). */
export class UnauthenticatedError extends Error {
  override readonly name = "UnauthenticatedError";
}

/** Too many attempts (e.g. failed logins); the caller should wait. */
export class ResourceExhaustedError extends Error {
  override readonly name = "ResourceExhaustedError";
}
