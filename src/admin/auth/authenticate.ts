import type { Kysely } from "kysely";
import type { Database } from "../persistence/index.js";
import { findActiveCredentialByHash, getGroupByAppName, touchCredential } from "../persistence/index.js";
import { UnauthenticatedError } from "../errors.js";
import { secretsEqual } from "../../shared/secure-compare.js";
import type { ExecutorPrincipal, UserPrincipal } from "./principal.js";
import { hashSecret } from "./secrets.js";

/** How often a credential's last-use time is written: at most once a minute, to keep reads read-only. */
const TOUCH_INTERVAL_MS = 60_000;

/** Resolves a console bearer token (session or API key) to its user; UNAUTHENTICATED otherwise. */
export async function authenticateUser(db: Kysely<Database>, token: string | undefined, now: number): Promise<UserPrincipal> {
  if (token === undefined) {
    throw new UnauthenticatedError("missing credential: send \"authorization: Bearer <session token or API key>\" (get a session with AuthService.Login)");
  }
  const found = await findActiveCredentialByHash(db, hashSecret(token), now);
  if (found === undefined) throw new UnauthenticatedError("the session or API key is unknown, expired or revoked; log in again");
  const { credential, user } = found;
  if (now - credential.lastUsedTime > TOUCH_INTERVAL_MS) await touchCredential(db, credential.id, now);
  return {
    kind: "user",
    userId: user.id,
    username: user.username,
    role: user.role,
    permittedGroupIds: user.permittedGroupIds,
    credentialId: credential.id,
    credentialKind: credential.kind,
  };
}

/**
 * Authenticates an executor by its group's app name and access token. The same message is used for an unknown
 * app name and a wrong token so that callers cannot probe which app names exist.
 */
export async function authenticateExecutor(db: Kysely<Database>, appName: string | null, token: string | undefined): Promise<ExecutorPrincipal> {
  if (appName === null || appName === "" || token === undefined) {
    throw new UnauthenticatedError("missing executor credentials: send \"jobwire-app-name\" and \"authorization: Bearer <group access token>\"");
  }
  const group = await getGroupByAppName(db, appName);
  if (group === undefined || !secretsEqual(group.accessToken, token)) {
    throw new UnauthenticatedError(`wrong app name or access token for executor group "${appName}"`);
  }
  return { kind: "executor", groupId: group.id, appName: group.appName };
}
