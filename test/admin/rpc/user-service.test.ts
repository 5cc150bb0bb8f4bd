import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { UserRole } from "../../../src/gen/jobwire/v1/user_pb.js";
import type { UpdateUserRequest, UpdateUserRequestSchema } from "../../../src/gen/jobwire/v1/user_service_pb.js";
import { testDialects } from "../../helpers/databases.js";
import { clientsFor, codeOf, errorOf, passwordOf, startTestAdmin, type TestAdmin } from "./user-admin-fixture.js";

/** The CreateUser fields a validation case sets (a plain shape, so that cases can spread a valid request). */
interface CreateInit {
  user?: { username: string; role?: UserRole; permittedExecutorGroups?: string[] };
  password?: string;
}
type UpdateInit = MessageInitShape<typeof UpdateUserRequestSchema>;

const mask = (...paths: string[]): UpdateUserRequest["updateMask"] => create(FieldMaskSchema, { paths });

for (const dialect of testDialects()) {
  describe(`UserService over a real socket (${dialect})`, () => {
    let t: TestAdmin;
    let groupA: string;
    beforeAll(async () => {
      t = await startTestAdmin(dialect);
      const created = await t.root.groups.createExecutorGroup({ executorGroup: { appName: "users-group-a", displayName: "A" } });
      groupA = created.executorGroup?.name ?? "";
    });
    afterAll(async () => {
      await t?.close();
    });

    const usernames = async (): Promise<string[]> => (await t.root.users.listUsers({ pageSize: 500 })).users.map((u) => u.username);

    describe("CreateUser validation: each bad field is INVALID_ARGUMENT naming it, and nothing is stored", () => {
      const valid = (username: string): CreateInit => ({ user: { username, role: UserRole.NORMAL, permittedExecutorGroups: [] }, password: "Good-password-1" });
      const cases: [string, string, (username: string) => CreateInit][] = [
        ["missing user", "user", () => ({ password: "Good-password-1" })],
        ["empty username", "user.username", () => ({ ...valid(""), user: { username: "" } })],
        ["too short username", "user.username", () => ({ ...valid("abc"), user: { username: "abc" } })],
        ["username with a space", "user.username", (u) => ({ ...valid(u), user: { username: `${u} x` } })],
        ["username over 64 characters", "user.username", () => ({ ...valid("x"), user: { username: "u".repeat(65) } })],
        ["unknown role", "user.role", (u) => ({ ...valid(u), user: { username: u, role: 99 as UserRole } })],
        ["malformed group name", "user.permitted_executor_groups", (u) => ({ ...valid(u), user: { username: u, permittedExecutorGroups: ["jobs/1"] } })],
        ["group that does not exist", "user.permitted_executor_groups", (u) => ({ ...valid(u), user: { username: u, permittedExecutorGroups: ["executorGroups/999999"] } })],
        ["missing password", "password", (u) => ({ ...valid(u), password: "" })],
        ["short password", "password", (u) => ({ ...valid(u), password: "Short-1" })],
        ["one-character password", "password", (u) => ({ ...valid(u), password: "zzzzzzzzzz" })],
        ["password containing the username", "password", (u) => ({ ...valid(u), password: `my-${u}-password` })],
        ["password over 128 characters", "password", (u) => ({ ...valid(u), password: "ab".repeat(65) })],
      ];
      it.each(cases)("%s → %s", async (_what, field, build) => {
        const username = `bad-${field.replace(/\W/g, "")}-${Math.random().toString(36).slice(2, 8)}`;
        const before = await usernames();
        const error = await errorOf(t.root.users.createUser(build(username)));
        expect(error.code).toBe(Code.InvalidArgument);
        expect(error.rawMessage.startsWith(`${field}:`)).toBe(true);
        expect(await usernames()).toEqual(before);
      });
    });

    it("creates, reads, lists (filtered, paged), updates and deletes a user, each audited", async () => {
      const { user } = await t.root.users.createUser({ user: { username: " erin@example.com ", permittedExecutorGroups: [groupA, groupA] }, password: "Erin-password-1" });
      expect(user).toMatchObject({ username: "erin@example.com", role: UserRole.NORMAL, permittedExecutorGroups: [groupA], disabled: false });
      const name = user?.name ?? "";
      expect((await t.root.users.getUser({ name })).user).toEqual(user);
      expect(await codeOf(t.root.users.createUser({ user: { username: "erin@example.com" }, password: "Erin-password-2" }))).toBe(Code.AlreadyExists);

      const filtered = await t.root.users.listUsers({ usernameContains: "ERIN@", role: UserRole.NORMAL });
      expect(filtered.users.map((u) => u.name)).toEqual([name]);
      const first = await t.root.users.listUsers({ pageSize: 1 });
      expect(first.users).toHaveLength(1);
      const second = await t.root.users.listUsers({ pageSize: 1, pageToken: first.nextPageToken });
      expect(second.users[0]?.name).not.toBe(first.users[0]?.name);
      expect(await codeOf(t.root.users.listUsers({ pageSize: 1, pageToken: first.nextPageToken, role: UserRole.ADMIN }))).toBe(Code.InvalidArgument);

      const updated = await t.root.users.updateUser({ user: { name, role: UserRole.ADMIN, permittedExecutorGroups: [] }, updateMask: mask("role") });
      expect(updated.user).toMatchObject({ role: UserRole.ADMIN, permittedExecutorGroups: [groupA] });
      await t.root.users.deleteUser({ name });
      expect(await codeOf(t.root.users.getUser({ name }))).toBe(Code.NotFound);
      expect(await codeOf(t.root.users.deleteUser({ name }))).toBe(Code.NotFound);

      const { auditEntries } = await t.root.audit.listAuditEntries({ resourcePrefix: name });
      expect(auditEntries.map((e) => e.action)).toEqual(["DeleteUser", "UpdateUser", "CreateUser"].map((rpc) => `jobwire.v1.UserService/${rpc}`));
      expect(auditEntries.every((e) => !`${e.beforeJson}${e.afterJson}`.includes("Erin-password") && !`${e.beforeJson}${e.afterJson}`.includes("scrypt$"))).toBe(true);
    });

    it("UpdateUser validation: bad mask, name, group or password is INVALID_ARGUMENT naming the field, and nothing changes", async () => {
      const { user } = await t.root.users.createUser({ user: { username: "frank" }, password: "Strong-password-1" });
      const name = user?.name ?? "";
      const cases: [string, UpdateInit][] = [
        ["user", {}],
        ["user.name", { user: { name: "users/abc" } }],
        ["update_mask", { user: { name, username: "renamed" }, updateMask: mask("username") }],
        ["user.role", { user: { name, role: 42 as UserRole }, updateMask: mask("role") }],
        ["user.permitted_executor_groups", { user: { name, permittedExecutorGroups: ["executorGroups/999999"] }, updateMask: mask("permitted_executor_groups") }],
        ["password", { user: { name }, updateMask: mask("role"), password: "short" }],
      ];
      for (const [field, request] of cases) {
        const error = await errorOf(t.root.users.updateUser(request));
        expect([field, error.code, error.rawMessage.startsWith(`${field}:`)]).toEqual([field, Code.InvalidArgument, true]);
      }
      expect((await t.root.users.getUser({ name })).user).toEqual(user);
      await t.login("frank", "Strong-password-1");
    });

    it("a new password set by an administrator ends the user's sessions", async () => {
      const grace = await t.createUserAndLogin("grace");
      await t.root.users.updateUser({ user: { name: grace.name }, updateMask: mask("role"), password: "Reset-by-admin-1" });
      expect(await codeOf(grace.auth.whoAmI({}))).toBe(Code.Unauthenticated);
      await t.login("grace", "Reset-by-admin-1");
    });

    it("a role or group change applies to the user's next call", async () => {
      const heidi = await t.createUserAndLogin("heidi");
      expect(await codeOf(heidi.groups.getExecutorGroup({ name: groupA }))).toBe(Code.NotFound);
      await t.root.users.updateUser({ user: { name: heidi.name, permittedExecutorGroups: [groupA] }, updateMask: mask("permitted_executor_groups") });
      expect((await heidi.groups.getExecutorGroup({ name: groupA })).executorGroup?.name).toBe(groupA);
      expect(await codeOf(heidi.users.listUsers({}))).toBe(Code.PermissionDenied);
      await t.root.users.updateUser({ user: { name: heidi.name, role: UserRole.ADMIN }, updateMask: mask("role") });
      expect((await heidi.users.listUsers({})).users.length).toBeGreaterThan(1);
    });

    it("a disabled user cannot log in or use sessions and API keys; enabling restores the keys", async () => {
      const ivan = await t.createUserAndLogin("ivan");
      const { secret } = await ivan.users.createApiKey({ parent: "users/-", apiKey: { displayName: "ci", expireTime: { seconds: BigInt(Math.floor(t.clock.now() / 1000) + 3600) } } });
      const byKey = clientsFor(t.admin.url, secret);
      const { user } = await t.root.users.updateUser({ user: { name: ivan.name, disabled: true }, updateMask: mask("disabled") });
      expect(user?.disabled).toBe(true);
      expect(await codeOf(ivan.auth.whoAmI({}))).toBe(Code.Unauthenticated);
      expect(await codeOf(byKey.auth.whoAmI({}))).toBe(Code.Unauthenticated);
      expect(await codeOf(t.login("ivan", passwordOf("ivan")))).toBe(Code.Unauthenticated);
      // An empty mask leaves the flag alone.
      await t.root.users.updateUser({ user: { name: ivan.name, role: UserRole.NORMAL } });
      expect((await t.root.users.getUser({ name: ivan.name })).user?.disabled).toBe(true);
      await t.root.users.updateUser({ user: { name: ivan.name, disabled: false }, updateMask: mask("disabled") });
      expect((await byKey.auth.whoAmI({})).user?.username).toBe("ivan");
      await t.login("ivan", passwordOf("ivan"));
    });

    it("an administrator cannot delete, demote or disable themselves", async () => {
      const { user: me } = await t.root.auth.whoAmI({});
      const name = me?.name ?? "";
      expect(await codeOf(t.root.users.deleteUser({ name }))).toBe(Code.FailedPrecondition);
      expect(await codeOf(t.root.users.updateUser({ user: { name, role: UserRole.NORMAL }, updateMask: mask("role") }))).toBe(Code.FailedPrecondition);
      expect(await codeOf(t.root.users.updateUser({ user: { name, disabled: true }, updateMask: mask("disabled") }))).toBe(Code.FailedPrecondition);
      expect((await t.root.users.getUser({ name })).user).toMatchObject({ role: UserRole.ADMIN, disabled: false });
    });

    it("two administrators demoting each other at once leave at least one enabled administrator", async () => {
      // Demote every other administrator first, so that exactly two remain.
      const admins = (await t.root.users.listUsers({ role: UserRole.ADMIN, pageSize: 500 })).users.filter((u) => u.username !== "admin");
      for (const other of admins) await t.root.users.updateUser({ user: { name: other.name, role: UserRole.NORMAL }, updateMask: mask("role") });
      const judy = await t.createUserAndLogin("judy", { admin: true });
      const { user: root } = await t.root.auth.whoAmI({});
      const outcomes = await Promise.allSettled([
        t.root.users.updateUser({ user: { name: judy.name, role: UserRole.NORMAL }, updateMask: mask("role") }),
        judy.users.updateUser({ user: { name: root?.name ?? "", role: UserRole.NORMAL }, updateMask: mask("role") }),
      ]);
      expect(outcomes.filter((o) => o.status === "fulfilled").length).toBeGreaterThanOrEqual(1);
      const remaining = (await t.database.database.db.selectFrom("jw_user").select("id").where("role", "=", "ADMIN").where("disabled", "=", 0).execute()).length;
      expect(remaining).toBeGreaterThanOrEqual(1);
    });
  });
}
