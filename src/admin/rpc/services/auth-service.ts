import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../../gen/jobwire/v1/auth_service_pb.js";
import { recordAudit, recordRefusedLogin } from "../../audit/index.js";
import { checkPassword } from "../../auth/credential-rules.js";
import { LoginLimiter } from "../../auth/login-limiter.js";
import { hashPassword, verifyPassword } from "../../auth/password.js";
import { remoteAddressKey } from "../../auth/principal.js";
import { newSecret } from "../../auth/secrets.js";
import type { AdminContext } from "../../context.js";
import { InvalidArgumentError, ResourceExhaustedError, UnauthenticatedError } from "../../errors.js";
import { deleteDeadCredentials, getUser, getUserByUsername, inTransaction, insertCredential, revokeCredential, revokeUserSessions, updateUser } from "../../persistence/index.js";
import { userToProto } from "../convert/user.js";
import { requireUser } from "../principal-guards.js";
import { Collections, formatName } from "../resource-names.js";

/**
 * Login, logout, who-am-I and password change. Failed logins are limited per username and per client address
 * (`limiter`, 5 failures in 5 minutes each by default), so neither one account nor one client can guess fast.
 */
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
        const refused = user === undefined ? { userId: undefined, resource: "", reason: "unknown username" } : { userId: user.id, resource: formatName(Collections.user, user.id), reason: "wrong password" };
        await recordRefusedLogin(app.db, { username, address, ...refused }, now);
        throw new UnauthenticatedError("wrong username or password");
      }
      for (const key of keys) limiter.reset(key);
      // Checked only after the password, so that the answer reveals the state only to someone who knows it.
      if (user.disabled) {
        await recordRefusedLogin(app.db, { username, userId: user.id, resource: formatName(Collections.user, user.id), address, reason: "user disabled" }, now);
        throw new UnauthenticatedError(`user "${user.username}" is disabled; ask an administrator`);
      }
      const session = newSecret("session");
      const expireTime = now + (req.remember ? app.options.rememberedSessionTtlMs : app.options.sessionTtlMs);
      await insertCredential(app.db, { userId: user.id, kind: "SESSION", name: "", tokenHash: session.hash, tokenPrefix: session.prefix, expireTime }, now);
      await deleteDeadCredentials(app.db, user.id, now);
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
      if (req.oldPassword === "") throw new InvalidArgumentError("old_password", "is required");
      checkPassword(req.newPassword, "new_password", user.username);
      if (req.newPassword === req.oldPassword) throw new InvalidArgumentError("new_password", "must differ from the old password");
      // The old password is checked through the same per-user limiter as logins: a stolen session must not
      // become an unlimited password oracle.
      const now = app.now();
      const key = `user:${user.username.toLowerCase()}`;
      const wait = limiter.retryAfterMs(key, now);
      if (wait > 0) throw new ResourceExhaustedError(`too many wrong passwords; try again in ${Math.ceil(wait / 1000)} s`);
      if (!(await verifyPassword(req.oldPassword, user.passwordHash))) {
        limiter.recordFailure(key, now);
        throw new InvalidArgumentError("old_password", "is wrong");
      }
      const passwordHash = await hashPassword(req.newPassword);
      await inTransaction(app.db, async (trx) => {
        await updateUser(trx, user.id, { passwordHash }, now);
        // Other sessions end (this one stays): a changed password must lock out whoever knew the old one.
        // API keys stay valid: they are revoked one by one, deliberately, with DeleteApiKey.
        const keep = principal.credentialKind === "SESSION" ? principal.credentialId : 0;
        await revokeUserSessions(trx, user.id, keep, now);
        await recordAudit(trx, principal, { action: "jobwire.v1.AuthService/ChangePassword", resource: formatName(Collections.user, user.id), after: { password: "changed" } }, now);
      });
      return {};
    },
  };
}

/** A well-formed hash of a random password, verified against when the username is unknown. */
const DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
