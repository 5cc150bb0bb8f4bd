import { Code, ConnectError } from "@connectrpc/connect";

/** An API error as the console shows it: the offending request field when the admin named one, and a message. */
export interface ApiError {
  readonly code: Code;
  /** Proto field path from INVALID_ARGUMENT messages, e.g. `job.schedule.cron` or `alarm.emails[0]`. */
  readonly field: string | undefined;
  readonly message: string;
}

// The admin's InvalidArgumentError formats its message as "<field path>: <problem>".
const FIELD_MESSAGE = /^([a-z_][a-z0-9_]*(?:\[\d+\])?(?:\.[a-z_][a-z0-9_]*(?:\[\d+\])?)*): ([\s\S]+)$/;

export function toApiError(error: unknown): ApiError {
  const connect = ConnectError.from(error);
  const raw = connect.rawMessage;
  if (connect.code === Code.InvalidArgument) {
    const match = FIELD_MESSAGE.exec(raw);
    if (match !== null) return { code: connect.code, field: match[1], message: match[2] ?? raw };
  }
  const prefix = CODE_LABELS[connect.code];
  return { code: connect.code, field: undefined, message: prefix === undefined ? raw : `${prefix}: ${raw}` };
}

const CODE_LABELS: Partial<Record<Code, string>> = {
  [Code.NotFound]: "Not found",
  [Code.PermissionDenied]: "Permission denied",
  [Code.FailedPrecondition]: "Not possible now",
  [Code.AlreadyExists]: "Already exists",
  [Code.Aborted]: "Changed by someone else, reload and retry",
  [Code.Unimplemented]: "Not available on this admin",
  [Code.ResourceExhausted]: "Too many attempts",
  [Code.Unavailable]: "Admin unreachable",
};

/** True when an error for `field` belongs to the form input named `name` (itself or an element of it). */
export function errorBelongsTo(field: string | undefined, name: string): boolean {
  if (field === undefined) return false;
  return field === name || field.startsWith(`${name}.`) || field.startsWith(`${name}[`);
}
