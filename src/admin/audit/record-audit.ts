import type { Kysely } from "kysely";
import type { UserPrincipal } from "../auth/principal.js";
import { insertAuditEntry, type Database } from "../persistence/index.js";

/** What one mutation changed; `before`/`after` are domain values (undefined when the resource did not exist). */
export interface AuditChange {
  /** The RPC, e.g. `jobwire.v1.JobService/UpdateJob`. */
  readonly action: string;
  /** Resource name, e.g. `jobs/12`. */
  readonly resource: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** Keys whose values never reach the audit log: secrets are recorded as changed, not as their value. */
const SECRET_KEYS = new Set(["accessToken", "passwordHash", "password", "tokenHash", "secret", "token"]);

/**
 * Writes one audit entry. Call it with the transaction that made the change so the entry and the change commit
 * together (an audited change without its entry, or an entry for a change that rolled back, would both mislead).
 */
export async function recordAudit(db: Kysely<Database>, user: UserPrincipal, change: AuditChange, time: number): Promise<void> {
  await insertAuditEntry(db, {
    time,
    actorUserId: user.userId,
    actorName: user.username,
    action: change.action,
    resource: change.resource,
    before: auditJson(change.before),
    after: auditJson(change.after),
  });
}

/** A login the admin refused: wrong or unknown credentials, or a disabled user. */
export interface RefusedLogin {
  /** The username as given (cut to the column's 255 characters). */
  readonly username: string;
  /** The user of that name, when one exists. */
  readonly userId: number | undefined;
  /** That user's resource name; empty for an unknown username. */
  readonly resource: string;
  readonly address: string;
  readonly reason: string;
}

/**
 * Writes the audit entry of a refused login, so that password guessing shows in the audit log. The password is
 * never recorded. Attempts the login limiter refuses before checking anything are not recorded (a flood of them
 * would otherwise fill the log).
 */
export async function recordRefusedLogin(db: Kysely<Database>, login: RefusedLogin, time: number): Promise<void> {
  await insertAuditEntry(db, {
    time,
    actorUserId: login.userId ?? 0,
    actorName: login.username.slice(0, 255),
    action: "jobwire.v1.AuthService/Login",
    resource: login.resource,
    before: "",
    after: auditJson({ result: "refused", reason: login.reason, address: login.address }),
  });
}

/** JSON of a domain value for the audit log, secrets masked; empty for undefined. */
export function auditJson(value: unknown): string {
  if (value === undefined) return "";
  return JSON.stringify(value, (key, v: unknown) => {
    if (SECRET_KEYS.has(key) && v !== "" && v !== null && v !== undefined) return "***";
    if (typeof v === "bigint") return v.toString();
    return v;
  });
}
