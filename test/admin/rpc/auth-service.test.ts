import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDialects } from "../../helpers/databases.js";
import { ADMIN_PASSWORD, clientsFor, passwordOf, codeOf, errorOf, startTestAdmin, type TestAdmin } from "./user-admin-fixture.js";

const HOUR = 3600_000;

for (const dialect of testDialects()) {
  describe(`AuthService over a real socket (${dialect})`, () => {
    let t: TestAdmin;
    beforeAll(async () => {
      t = await startTestAdmin(dialect);
    });
    afterAll(async () => {
      await t?.close();
    });

    it("logs in with the right password only, and refuses console calls without a valid credential", async () => {
      const anonymous = clientsFor(t.admin.url, undefined);
      expect(await codeOf(anonymous.auth.login({ username: "admin", password: "wrong-password" }))).toBe(Code.Unauthenticated);
      expect(await codeOf(anonymous.auth.login({ username: "nobody-here", password: "wrong-password" }))).toBe(Code.Unauthenticated);
      expect((await errorOf(anonymous.auth.login({ username: "", password: "x" }))).rawMessage).toMatch(/^username:/);
      expect(await codeOf(anonymous.auth.whoAmI({}))).toBe(Code.Unauthenticated);
      expect(await codeOf(clientsFor(t.admin.url, "jws_forged").auth.whoAmI({}))).toBe(Code.Unauthenticated);
      const { user } = await t.root.auth.whoAmI({});
      expect(user?.username).toBe("admin");
    });

    it("records refused logins in the audit log (the username tried, why, from where), never the password", async () => {
      const anonymous = clientsFor(t.admin.url, undefined);
      const loginEntries = async (): Promise<number> => (await t.root.audit.listAuditEntries({})).auditEntries.filter((e) => e.action === "jobwire.v1.AuthService/Login").length;
      const before = await loginEntries();
      expect(await codeOf(anonymous.auth.login({ username: "admin", password: "Guess-1-wrong" }))).toBe(Code.Unauthenticated);
      expect(await codeOf(anonymous.auth.login({ username: "ghost-user", password: "Guess-2-wrong" }))).toBe(Code.Unauthenticated);
      const { auditEntries } = await t.root.audit.listAuditEntries({});
      const [ghost, admin] = auditEntries.filter((e) => e.action === "jobwire.v1.AuthService/Login");
      const { user } = await t.root.auth.whoAmI({});
      expect(admin).toMatchObject({ actor: user?.name, actorUsername: "admin", resource: user?.name, beforeJson: "" });
      const address: unknown = expect.stringMatching(/127\.0\.0\.1/);
      expect(JSON.parse(admin?.afterJson ?? "{}")).toEqual({ result: "refused", reason: "wrong password", address });
      expect(ghost).toMatchObject({ actor: "", actorUsername: "ghost-user", resource: "" });
      expect(JSON.parse(ghost?.afterJson ?? "{}")).toMatchObject({ result: "refused", reason: "unknown username" });
      expect(auditEntries.some((e) => `${e.beforeJson}${e.afterJson}`.includes("Guess-"))).toBe(false);
      // A successful login is not an entry.
      await t.login("admin", ADMIN_PASSWORD);
      expect(await loginEntries()).toBe(before + 2);
    });

    it("stores sessions only hashed: the database never holds the token", async () => {
      const session = await t.login("admin", ADMIN_PASSWORD);
      const rows = await t.database.database.db.selectFrom("jw_credential").select(["token_hash", "token_prefix"]).execute();
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.some((r) => r.token_hash === session.token)).toBe(false);
      expect(rows.every((r) => !session.token.includes(r.token_hash) && r.token_prefix.length <= 10)).toBe(true);
      const hashes = await t.database.database.db.selectFrom("jw_user").select("password_hash").execute();
      expect(hashes.every((r) => r.password_hash.startsWith("scrypt$") && !r.password_hash.includes(ADMIN_PASSWORD))).toBe(true);
    });

    it("Logout revokes the session at once and leaves other sessions alone", async () => {
      const a = await t.login("admin", ADMIN_PASSWORD);
      const b = await t.login("admin", ADMIN_PASSWORD);
      await a.auth.logout({});
      expect(await codeOf(a.auth.whoAmI({}))).toBe(Code.Unauthenticated);
      expect((await b.auth.whoAmI({})).user?.username).toBe("admin");
    });

    it("a login deletes the user's revoked and expired credentials, keeping live ones", async () => {
      const user = await t.createUserAndLogin("erase-me");
      const id = Number(user.name.split("/")[1]);
      await user.auth.logout({});
      const count = async (): Promise<number> => (await t.database.database.db.selectFrom("jw_credential").select("id").where("user_id", "=", id).execute()).length;
      expect(await count()).toBe(1);
      const next = await t.login("erase-me", passwordOf("erase-me"));
      expect(await count()).toBe(1);
      expect((await next.auth.whoAmI({})).user?.username).toBe("erase-me");
    });

    it("ChangePassword needs the old password, applies the strength rule, revokes the user's other sessions and keeps this one", async () => {
      const user = await t.createUserAndLogin("carol");
      const other = await t.login("carol", passwordOf("carol"));
      const wrongOld = await errorOf(user.auth.changePassword({ oldPassword: "not-my-password", newPassword: "a-new-password-1" }));
      expect([wrongOld.code, wrongOld.rawMessage]).toEqual([Code.InvalidArgument, expect.stringMatching(/^old_password:/)]);
      for (const weak of ["short", "aaaaaaaaaaaa", "my-carol-password", "x".repeat(129), passwordOf("carol")]) {
        const error = await errorOf(user.auth.changePassword({ oldPassword: passwordOf("carol"), newPassword: weak }));
        expect([error.code, error.rawMessage]).toEqual([Code.InvalidArgument, expect.stringMatching(/^new_password:/)]);
      }
      // Nothing changed so far: the other session still works.
      expect((await other.auth.whoAmI({})).user?.username).toBe("carol");
      await user.auth.changePassword({ oldPassword: passwordOf("carol"), newPassword: "a-much-better-passphrase" });
      expect(await codeOf(other.auth.whoAmI({}))).toBe(Code.Unauthenticated);
      expect((await user.auth.whoAmI({})).user?.username).toBe("carol");
      expect(await codeOf(t.login("carol", passwordOf("carol")))).toBe(Code.Unauthenticated);
      await t.login("carol", "a-much-better-passphrase");
      const { auditEntries } = await t.root.audit.listAuditEntries({ resourcePrefix: user.name });
      const entry = auditEntries.find((e) => e.action === "jobwire.v1.AuthService/ChangePassword");
      expect(entry?.actorUsername).toBe("carol");
      expect(entry?.afterJson).not.toContain("a-much-better-passphrase");
    });

    it("limits failed logins per user (from any address) and per client address, and lets them try again after the window", async () => {
      await t.createUserAndLogin("dave");
      const fromA = clientsFor(t.admin.url, undefined, "127.0.0.2");
      const fromB = clientsFor(t.admin.url, undefined, "127.0.0.3");
      const fromC = clientsFor(t.admin.url, undefined, "127.0.0.4");
      // Per user: five failures for dave from A block dave's login from B, even with the right password…
      for (let i = 0; i < 5; i++) expect(await codeOf(fromA.auth.login({ username: "dave", password: `guess-${i}-wrong` }))).toBe(Code.Unauthenticated);
      expect(await codeOf(fromB.auth.login({ username: "dave", password: passwordOf("dave") }))).toBe(Code.ResourceExhausted);
      // …and per address: A is blocked for every user, while admin still logs in from C.
      expect(await codeOf(fromA.auth.login({ username: "admin", password: ADMIN_PASSWORD }))).toBe(Code.ResourceExhausted);
      await fromC.auth.login({ username: "admin", password: ADMIN_PASSWORD });
      // An address spraying many usernames is blocked too.
      for (let i = 0; i < 5; i++) await codeOf(fromB.auth.login({ username: `ghost-${i}`, password: "guess-wrong-1" }));
      expect(await codeOf(fromB.auth.login({ username: "admin", password: ADMIN_PASSWORD }))).toBe(Code.ResourceExhausted);
      t.clock.advance(5 * 60_000 + 1);
      expect((await fromB.auth.login({ username: "dave", password: passwordOf("dave") })).user?.username).toBe("dave");
      expect((await fromA.auth.login({ username: "admin", password: ADMIN_PASSWORD })).user?.username).toBe("admin");
    });

    it("sessions expire after their lifetime (12 hours, 30 days with remember)", async () => {
      const short = await t.login("admin", ADMIN_PASSWORD);
      const { sessionToken } = await clientsFor(t.admin.url, undefined).auth.login({ username: "admin", password: ADMIN_PASSWORD, remember: true });
      const remembered = clientsFor(t.admin.url, sessionToken);
      t.clock.advance(12 * HOUR - 1);
      expect((await short.auth.whoAmI({})).user?.username).toBe("admin");
      t.clock.advance(1);
      expect(await codeOf(short.auth.whoAmI({}))).toBe(Code.Unauthenticated);
      expect((await remembered.auth.whoAmI({})).user?.username).toBe("admin");
      t.clock.advance(30 * 24 * HOUR);
      expect(await codeOf(remembered.auth.whoAmI({}))).toBe(Code.Unauthenticated);
    });
  });
}
