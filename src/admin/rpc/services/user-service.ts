import type { Kysely } from "kysely";
import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../gen/jobwire/v1/user_service_pb.js";
import { UserRole } from "../../../gen/jobwire/v1/user_pb.js";
import { recordAudit } from "../../audit/index.js";
import { checkPassword, checkUsername } from "../../auth/credential-rules.js";
import { hashPassword } from "../../auth/password.js";
import type { AdminContext } from "../../context.js";
import { USER_ROLES, type User, type UserRole as DomainUserRole } from "../../domain/index.js";
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../errors.js";
import {
  countEnabledAdmins,
  deleteUser,
  getGroup,
  getUser,
  inTransaction,
  insertUser,
  listUsers,
  revokeUserSessions,
  UniqueViolationError,
  updateUser,
  type Database,
  type UserPatch,
} from "../../persistence/index.js";
import { fromProtoEnum } from "../convert/enums.js";
import { userToProto } from "../convert/user.js";
import { decodePageToken, nextPageToken, resolvePageSize, withCursor } from "../paging.js";
import { requireAdmin } from "../principal-guards.js";
import { Collections, formatName, parseName } from "../resource-names.js";
import { createApiKeyHandlers } from "./user-api-keys.js";

const UPDATABLE = ["role", "permitted_executor_groups", "disabled"] as const;
/** An empty mask changes what older clients knew about; `disabled` only changes when a client names it. */
const DEFAULT_MASK = ["role", "permitted_executor_groups"] as const;
const MAX_PERMITTED_GROUPS = 1_000;

export function userAction(rpc: string): string {
  return `jobwire.v1.UserService/${rpc}`;
}

/**
 * Console users, for administrators only (API keys, which every user manages for themselves, are in
 * `user-api-keys.ts`). Every mutation and its audit entry commit in one transaction.
 */
export function createUserService(app: AdminContext): ServiceImpl<typeof UserService> {
  const load = async (field: string, name: string): Promise<User> => {
    const user = await getUser(app.db, parseName(field, name, Collections.user));
    if (user === undefined) throw new NotFoundError(name);
    return user;
  };

  return {
    async getUser(req, ctx) {
      requireAdmin(ctx);
      return { user: userToProto(await load("name", req.name)) };
    },

    async listUsers(req, ctx) {
      requireAdmin(ctx);
      const usernameContains = req.usernameContains.trim();
      const role = req.role === UserRole.UNSPECIFIED ? undefined : fromProtoEnum<DomainUserRole>(UserRole, req.role, USER_ROLES, "role");
      const filters = { u: usernameContains, r: role ?? "" };
      const limit = resolvePageSize(req.pageSize, 50, 500);
      const page = await listUsers(
        app.db,
        { ...(usernameContains === "" ? {} : { usernameContains }), ...(role === undefined ? {} : { role }) },
        withCursor(limit, decodePageToken(req.pageToken, filters)),
      );
      return {
        users: page.items.map(userToProto),
        nextPageToken: nextPageToken(page.nextCursor, filters),
      };
    },

    async createUser(req, ctx) {
      const admin = requireAdmin(ctx);
      const input = req.user;
      if (input === undefined) throw new InvalidArgumentError("user", "is required");
      const username = input.username.trim();
      checkUsername(username, "user.username");
      const role = fromProtoEnum<DomainUserRole>(UserRole, input.role, USER_ROLES, "user.role", "NORMAL");
      const permittedGroupIds = await resolvePermittedGroups(app.db, input.permittedExecutorGroups, "user.permitted_executor_groups");
      checkPassword(req.password, "password", username);
      const passwordHash = await hashPassword(req.password);
      const now = app.now();
      try {
        const user = await inTransaction(app.db, async (trx) => {
          const created = await insertUser(trx, { username, role, permittedGroupIds, passwordHash, disabled: input.disabled }, now);
          await recordAudit(trx, admin, { action: userAction("CreateUser"), resource: formatName(Collections.user, created.id), after: created }, now);
          return created;
        });
        return { user: userToProto(user) };
      } catch (error) {
        if (error instanceof UniqueViolationError) throw new AlreadyExistsError(`a user named "${username}" already exists`);
        throw error;
      }
    },

    async updateUser(req, ctx) {
      const admin = requireAdmin(ctx);
      const input = req.user;
      if (input === undefined) throw new InvalidArgumentError("user", "is required");
      const name = input.name;
      const before = await load("user.name", name);
      const paths = req.updateMask?.paths.length ? req.updateMask.paths : [...DEFAULT_MASK];
      for (const path of paths) {
        if (!(UPDATABLE as readonly string[]).includes(path)) {
          throw new InvalidArgumentError("update_mask", `"${path}" cannot be updated; updatable fields: ${UPDATABLE.join(", ")} (the username is immutable)`);
        }
      }
      const role = paths.includes("role") ? fromProtoEnum<DomainUserRole>(UserRole, input.role, USER_ROLES, "user.role", "NORMAL") : undefined;
      const permittedGroupIds = paths.includes("permitted_executor_groups")
        ? await resolvePermittedGroups(app.db, input.permittedExecutorGroups, "user.permitted_executor_groups")
        : undefined;
      const disabled = paths.includes("disabled") ? input.disabled : undefined;
      if (req.password !== "") checkPassword(req.password, "password", before.username);
      const patch: UserPatch = {
        ...(role === undefined ? {} : { role }),
        ...(permittedGroupIds === undefined ? {} : { permittedGroupIds }),
        ...(disabled === undefined ? {} : { disabled }),
        ...(req.password === "" ? {} : { passwordHash: await hashPassword(req.password) }),
      };
      const losesAdmin = before.role === "ADMIN" && !before.disabled && (role === "NORMAL" || disabled === true);
      if (losesAdmin && before.id === admin.userId) {
        throw new FailedPreconditionError("you cannot demote or disable yourself; ask another administrator");
      }
      const now = app.now();
      const updated = await inTransaction(app.db, async (trx) => {
        if (losesAdmin) await assertNotLastAdmin(trx, name);
        const after = await updateUser(trx, before.id, patch, now);
        if (after === undefined) throw new NotFoundError(name);
        // A new password locks out whoever knew the old one; disabling ends sessions so re-enabling revives none.
        if (req.password !== "" || disabled === true) await revokeUserSessions(trx, before.id, 0, now);
        await recordAudit(trx, admin, { action: userAction("UpdateUser"), resource: name, before, after: req.password === "" ? after : { ...after, password: "changed" } }, now);
        return after;
      });
      return { user: userToProto(updated) };
    },

    async deleteUser(req, ctx) {
      const admin = requireAdmin(ctx);
      const before = await load("name", req.name);
      if (before.id === admin.userId) throw new FailedPreconditionError("you cannot delete yourself; ask another administrator");
      const now = app.now();
      await inTransaction(app.db, async (trx) => {
        if (before.role === "ADMIN" && !before.disabled) await assertNotLastAdmin(trx, req.name);
        if (!(await deleteUser(trx, before.id))) throw new NotFoundError(req.name);
        await recordAudit(trx, admin, { action: userAction("DeleteUser"), resource: req.name, before }, now);
      });
      return {};
    },

    ...createApiKeyHandlers(app),
  };
}

/** Refuses a change that would leave no enabled administrator: nobody could manage users or groups any more. */
async function assertNotLastAdmin(trx: Kysely<Database>, name: string): Promise<void> {
  if ((await countEnabledAdmins(trx)) <= 1) {
    throw new FailedPreconditionError(`${name} is the last enabled administrator; make another user an administrator first`);
  }
}

/** Parses `executorGroups/{id}` names; each must exist. Returns the ids sorted, without repeats. */
async function resolvePermittedGroups(db: Kysely<Database>, names: readonly string[], field: string): Promise<number[]> {
  if (names.length > MAX_PERMITTED_GROUPS) throw new InvalidArgumentError(field, `has ${names.length} entries; at most ${MAX_PERMITTED_GROUPS}`);
  const ids = [...new Set(names.map((name) => parseName(field, name, Collections.executorGroup)))].sort((a, b) => a - b);
  for (const id of ids) {
    if ((await getGroup(db, id)) === undefined) throw new InvalidArgumentError(field, `${formatName(Collections.executorGroup, id)} does not exist`);
  }
  return ids;
}
