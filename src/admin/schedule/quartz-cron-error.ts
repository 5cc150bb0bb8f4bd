/**
 * Why a Quartz cron expression (or the time zone it is evaluated in) was refused. The message is a predicate
 * that reads after the quoted expression, e.g. `"0 0 25 * * ?" has an invalid hour field "25": …`, because
 * callers prefix it with the expression and the request field it came from.
 */
export class CronExpressionError extends Error {
  override readonly name = "CronExpressionError";
  /** The cron field at fault ("second" … "year"), when one field is to blame. */
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }

  /** An error about one field, naming it and quoting its text so the user can find it. */
  static inField(field: string, text: string, reason: string): CronExpressionError {
    return new CronExpressionError(`has an invalid ${field} field "${text}": ${reason}`, field);
  }
}
