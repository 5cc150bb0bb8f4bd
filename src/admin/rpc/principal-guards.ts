import type { HandlerContext } from "@connectrpc/connect";
import { canAccessGroup, principalKey, type ExecutorPrincipal, type UserPrincipal } from "../auth/principal.js";
import { NotFoundError, PermissionDeniedError, UnauthenticatedError } from "../errors.js";

/** The console user of this call; the auth interceptor guarantees one for console services. */
export function requireUser(ctx: HandlerContext): UserPrincipal {
  const principal = ctx.values.get(principalKey);
  if (principal.kind !== "user") throw new UnauthenticatedError("this call needs a console user credential");
  return principal;
}

export function requireAdmin(ctx: HandlerContext): UserPrincipal {
  const user = requireUser(ctx);
  if (user.role !== "ADMIN") throw new PermissionDeniedError("only administrators may do this");
  return user;
}

export function requireExecutor(ctx: HandlerContext): ExecutorPrincipal {
  const principal = ctx.values.get(principalKey);
  if (principal.kind !== "executor") throw new UnauthenticatedError("this call needs executor group credentials");
  return principal;
}

/**
 * Refuses access to a group the user may not see. It answers NOT_FOUND rather than PERMISSION_DENIED so that
 * normal users cannot learn which ids exist in groups they do not have.
 */
export function assertGroupAccess(user: UserPrincipal, groupId: number, resource: string): void {
  if (!canAccessGroup(user, groupId)) throw new NotFoundError(resource);
}
