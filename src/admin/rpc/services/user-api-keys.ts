import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../gen/jobwire/v1/user_service_pb.js";
import { recordAudit } from "../../audit/index.js";
import type { UserPrincipal } from "../../auth/principal.js";
import { newSecret } from "../../auth/secrets.js";
import type { AdminContext } from "../../context.js";
import type { User } from "../../domain/index.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError } from "../../errors.js";
import { getCredential, getUser, inTransaction, insertCredential, listApiKeys, revokeCredential } from "../../persistence/index.js";
import { apiKeyName, apiKeyToProto } from "../convert/user.js";
import { fromTimestamp } from "../convert/time.js";
import { decodePageToken, nextPageToken, resolvePageSize, withCursor } from "../paging.js";
import { requireUser } from "../principal-guards.js";
import { Collections, formatName, parseChildName, parseName } from "../resource-names.js";

type ApiKeyHandlers = Pick<ServiceImpl<typeof UserService>, "createApiKey" | "listApiKeys" | "deleteApiKey">;

const MAX_DISPLAY_NAME = 100;
/** Keys must expire: a forgotten key in an old script stops working within two years at the latest. */
const MAX_LIFETIME_MS = 2 * 366 * 24 * 3600_000;
const SELF = "users/-";

/**
 * API keys: long-lived credentials for programs (the CLI, CI jobs). Every user manages their own (`users/-`);
 * only administrators manage other users' keys. The secret is returned once by `CreateApiKey`; the database holds
 * its SHA-256 only, so it can never be listed or shown again. Deleting a key revokes it for the very next call.
 */
export function createApiKeyHandlers(app: AdminContext): ApiKeyHandlers {
  const action = (rpc: string): string => `jobwire.v1.UserService/${rpc}`;

  /** The owner's id; a normal user naming someone else is refused before anything about that user is read. */
  const ownerOf = async (principal: UserPrincipal, field: string, parent: string): Promise<User> => {
    const userId = parent === SELF ? principal.userId : parseName(field, parent, Collections.user);
    if (userId !== principal.userId && principal.role !== "ADMIN") {
      throw new PermissionDeniedError("only administrators may manage other users' API keys; use \"users/-\" for your own");
    }
    const owner = await getUser(app.db, userId);
    if (owner === undefined) throw new NotFoundError(parent);
    return owner;
  };

  return {
    async createApiKey(req, ctx) {
      const principal = requireUser(ctx);
      const owner = await ownerOf(principal, "parent", req.parent);
      const userId = owner.id;
      const input = req.apiKey;
      if (input === undefined) throw new InvalidArgumentError("api_key", "is required");
      const displayName = input.displayName.trim();
      if (displayName === "") throw new InvalidArgumentError("api_key.display_name", "is required");
      if (displayName.length > MAX_DISPLAY_NAME) throw new InvalidArgumentError("api_key.display_name", `must be at most ${MAX_DISPLAY_NAME} characters`);
      const now = app.now();
      const expireTime = fromTimestamp(input.expireTime);
      if (expireTime === 0) throw new InvalidArgumentError("api_key.expire_time", "is required (keys must expire, at most 2 years ahead)");
      if (expireTime <= now) throw new InvalidArgumentError("api_key.expire_time", "must be in the future");
      if (expireTime > now + MAX_LIFETIME_MS) throw new InvalidArgumentError("api_key.expire_time", "must be at most 2 years ahead");
      if (owner.disabled) throw new FailedPreconditionError(`${formatName(Collections.user, userId)} is disabled; enable the user first`);
      const secret = newSecret("apikey");
      const key = await inTransaction(app.db, async (trx) => {
        const created = await insertCredential(trx, { userId, kind: "API_KEY", name: displayName, tokenHash: secret.hash, tokenPrefix: secret.prefix, expireTime }, now);
        await recordAudit(trx, principal, { action: action("CreateApiKey"), resource: apiKeyName(userId, created.id), after: created }, now);
        return created;
      });
      return { apiKey: apiKeyToProto(key), secret: secret.secret };
    },

    async listApiKeys(req, ctx) {
      const principal = requireUser(ctx);
      const userId = (await ownerOf(principal, "parent", req.parent)).id;
      const filters = { u: userId };
      const limit = resolvePageSize(req.pageSize, 50, 500);
      const page = await listApiKeys(app.db, userId, withCursor(limit, decodePageToken(req.pageToken, filters)));
      return {
        apiKeys: page.items.map(apiKeyToProto),
        nextPageToken: nextPageToken(page.nextCursor, filters),
      };
    },

    async deleteApiKey(req, ctx) {
      const principal = requireUser(ctx);
      const name = req.name.startsWith(`${SELF}/`) ? `${formatName(Collections.user, principal.userId)}${req.name.slice(SELF.length)}` : req.name;
      if (name === "") throw new InvalidArgumentError("name", "is required, e.g. \"users/-/apiKeys/1\"");
      const { parentId, childId } = parseChildName("name", name, Collections.user, "apiKeys");
      await ownerOf(principal, "name", formatName(Collections.user, parentId));
      const key = await getCredential(app.db, childId);
      if (key === undefined || key.kind !== "API_KEY" || key.userId !== parentId || key.revokeTime !== 0) throw new NotFoundError(name);
      const now = app.now();
      await inTransaction(app.db, async (trx) => {
        if (!(await revokeCredential(trx, key.id, now))) throw new NotFoundError(name);
        await recordAudit(trx, principal, { action: action("DeleteApiKey"), resource: name, before: key, after: { ...key, revokeTime: now } }, now);
      });
      return {};
    },
  };
}
