import { createContextKey } from "@connectrpc/connect";
import type { CredentialKind, UserRole } from "../domain/index.js";

/** A console caller: a user authenticated by a session token or an API key. */
export interface UserPrincipal {
  readonly kind: "user";
  readonly userId: number;
  readonly username: string;
  readonly role: UserRole;
  readonly permittedGroupIds: readonly number[];
  readonly credentialId: number;
  readonly credentialKind: CredentialKind;
}

/** An executor caller, authenticated by its group's access token. */
export interface ExecutorPrincipal {
  readonly kind: "executor";
  readonly groupId: number;
  readonly appName: string;
}

export type Principal = UserPrincipal | ExecutorPrincipal | { readonly kind: "anonymous" };

/** Set by the auth interceptor; read by services with `ctx.values.get(principalKey)`. */
export const principalKey = createContextKey<Principal>({ kind: "anonymous" }, { description: "jobwire principal" });

/** The client's network address, for login rate limiting and audit. */
export const remoteAddressKey = createContextKey<string>("", { description: "client address" });

/** True if the user may see and operate the given executor group. */
export function canAccessGroup(principal: UserPrincipal, groupId: number): boolean {
  return principal.role === "ADMIN" || principal.permittedGroupIds.includes(groupId);
}
