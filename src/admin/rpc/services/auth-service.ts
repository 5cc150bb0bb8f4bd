import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../../gen/jobwire/v1/auth_service_pb.js";
import { LoginLimiter } from "../../auth/login-limiter.js";
import { hashPassword, verifyPassword } from "../../auth/password.js";
import { remoteAddressKey } from "../../auth/principal.js";
import { newSecret } from "../../auth/secrets.js";
import type { AdminContext } from "../../context.js";
import { InvalidArgumentError, ResourceExhaustedError, UnauthenticatedError } from "../../errors.js";
import {
  getUser,
  getUserByUsername,
  insertCredential,
  listCredentials,
  revokeCredential,
  updateUser,
} from "../../persistence/index.js";
import { userToProto } from "../convert/user.js";
import { requireUser } from "../principal-guards.js";

export const PASSWORD_RULE = { min: 8, max: 128 } as const;

/** Login, logout, who-am-I and password change. */
export function createAuthService(app: AdminContext, limiter = new LoginLimiter()): ServiceImpl<typeof AuthService> {
  return {
    async login(req, ctx) {
      const now = app.now();
      const username = req.username.trim();
      if (username === "") throw new InvalidArgumentError("username", "is required");
      if (req.password === "") throw new InvalidArgumentError("password", "is required");
      const address = ctx.values.get(remoteAddressKey);
      const keys = [`user:${username.toLowerCase()}`, `addr:${address}`];
      const wait = Math.max(...keys.map((k) => limiter.retryAfterMs(k, now)));
      if (wait > 0) throw new ResourceExhaustedError(`too many failed logins; try again in ${Math.ceil(wait / 1000)} s`);
      const user = await getUserByUsername(app.db, username);
      // The hash is computed even for unknown users so that timing does not reveal which usernames exist.
      const ok = await verifyPassword(req.password, user?.passwordHash ?? DUMMY_HASH);
      if (user === undefined || !ok) {
        for (const key of keys) limiter.recordFailure(key, now);
        throw new UnauthenticatedError("wrong username or password");
      }
      for (const key of keys) limiter.reset(key);
      const session = newSecret("session");
      const expireTime = now + (req.remember ? app.options.rememberedSessionTtlMs : app.options.sessionTtlMs);
      await insertCredential(app.db, { userId: user.id, kind: "SESSION", name: "", tokenHash: session.hash, tokenPrefix: session.prefix, expireTime }, now);
      return { sessionToken: session.secret, expireTime: timestampFromMs(expireTime), user: userToProto(user) };
    },

    async logout(_req, ctx) {
      const principal = requireUser(ctx);
      if (principal.credentialKind === "SESSION") await revokeCredential(app.db, principal.credentialId, app.now());
      return {};
    },

    async whoAmI(_req, ctx) {
      const principal = requireUser(ctx);
      const user = await getUser(app.db, principal.userId);
      if (user === undefined) throw new UnauthenticatedError("the user of this credential no longer exists");
      return { user: userToProto(user) };
    },

    async changePassword(req, ctx) {
      const principal = requireUser(ctx);
      const user = await getUserByUsername(app.db, principal.username);
      if (user === undefined) throw new UnauthenticatedError("the user of this credential no longer exists");
      if (!(await verifyPassword(req.oldPassword, user.passwordHash))) throw new InvalidArgumentError("old_password", "is wrong");
      checkPassword(req.newPassword, "new_password");
      const now = app.now();
      await updateUser(app.db, user.id, { passwordHash: await hashPassword(req.newPassword) }, now);
      // Other sessions end: a changed password must lock out whoever knew the old one.
      for (const credential of await listCredentials(app.db, { userId: user.id, kind: "SESSION" })) {
        if (credential.id !== principal.credentialId && credential.revokeTime === 0) await revokeCredential(app.db, credential.id, now);
      }
      return {};
    },
  };
}

export function checkPassword(password: string, field: string): void {
  if (password.length < PASSWORD_RULE.min || password.length > PASSWORD_RULE.max) {
    throw new InvalidArgumentError(field, `must be ${PASSWORD_RULE.min}–${PASSWORD_RULE.max} characters`);
  }
}

/** A well-formed hash of a random password, verified against when the username is unknown. */
const DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
