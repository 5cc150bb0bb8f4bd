/**
 * Thrown by repositories when a write collides with a unique key (a primary key or a unique index). Callers map
 * it to ALREADY_EXISTS, or treat it as "another admin won the race". The driver's own error is kept as `cause`
 * so that logs still show which constraint was hit.
 */
export class UniqueViolationError extends Error {
  override readonly name = "UniqueViolationError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
