import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { toJsonString } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListApiKeysResponseSchema } from "../../../src/gen/jobwire/v1/user_service_pb.js";
import { testDialects } from "../../helpers/databases.js";
import { clientsFor, codeOf, errorOf, startTestAdmin, type Clients, type TestAdmin } from "./user-admin-fixture.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;

for (const dialect of testDialects()) {
  describe(`API keys over a real socket (${dialect})`, () => {
    let t: TestAdmin;
    let alice: Clients & { token: string; name: string };
    let bob: Clients & { token: string; name: string };
    beforeAll(async () => {
      t = await startTestAdmin(dialect);
      alice = await t.createUserAndLogin("alice");
      bob = await t.createUserAndLogin("bobby");
    });
    afterAll(async () => {
      await t?.close();
    });
    const inHours = (hours: number): ReturnType<typeof timestampFromMs> => timestampFromMs(t.clock.now() + hours * HOUR);

    it("lives through create (secret shown once), use, list without the secret, and delete (refused at once)", async () => {
      const created = await alice.users.createApiKey({ parent: "users/-", apiKey: { displayName: " deploy bot ", expireTime: inHours(24) } });
      expect(created.secret).toMatch(/^jwk_[A-Za-z0-9_-]{43}$/);
      expect(created.apiKey).toMatchObject({ displayName: "deploy bot", secretPrefix: created.secret.slice(0, 10) });
      expect(created.apiKey?.name).toMatch(new RegExp(`^${alice.name}/apiKeys/\\d+$`));

      const byKey = clientsFor(t.admin.url, created.secret);
      expect((await byKey.auth.whoAmI({})).user?.username).toBe("alice");

      const listed = await alice.users.listApiKeys({ parent: "users/-" });
      expect(listed.apiKeys.map((k) => k.name)).toEqual([created.apiKey?.name]);
      expect(toJsonString(ListApiKeysResponseSchema, listed)).not.toContain(created.secret);
      expect(listed.apiKeys[0]?.lastUseTime).toBeDefined();
      const stored = await t.database.database.db.selectFrom("jw_credential").select("token_hash").where("kind", "=", "API_KEY").execute();
      expect(stored.every((r) => r.token_hash !== created.secret && !created.secret.includes(r.token_hash))).toBe(true);

      await alice.users.deleteApiKey({ name: created.apiKey?.name ?? "" });
      expect(await codeOf(byKey.auth.whoAmI({}))).toBe(Code.Unauthenticated);
      expect((await alice.users.listApiKeys({ parent: alice.name })).apiKeys).toEqual([]);
      expect(await codeOf(alice.users.deleteApiKey({ name: created.apiKey?.name ?? "" }))).toBe(Code.NotFound);

      const { auditEntries } = await t.root.audit.listAuditEntries({ resourcePrefix: created.apiKey?.name ?? "" });
      expect(auditEntries.map((e) => e.action)).toEqual(["jobwire.v1.UserService/DeleteApiKey", "jobwire.v1.UserService/CreateApiKey"]);
      expect(auditEntries.every((e) => !`${e.beforeJson}${e.afterJson}`.includes(created.secret))).toBe(true);
    });

    it("refuses a key once it has expired", async () => {
      const { secret } = await alice.users.createApiKey({ parent: "users/-", apiKey: { displayName: "short-lived", expireTime: inHours(1) } });
      const byKey = clientsFor(t.admin.url, secret);
      expect((await byKey.auth.whoAmI({})).user?.username).toBe("alice");
      t.clock.advance(HOUR);
      expect(await codeOf(byKey.auth.whoAmI({}))).toBe(Code.Unauthenticated);
    });

    it("lets only administrators manage other users' keys", async () => {
      const own = await bob.users.createApiKey({ parent: "users/-", apiKey: { displayName: "bob's", expireTime: inHours(5) } });
      expect(await codeOf(alice.users.createApiKey({ parent: bob.name, apiKey: { displayName: "x", expireTime: inHours(5) } }))).toBe(Code.PermissionDenied);
      expect(await codeOf(alice.users.listApiKeys({ parent: bob.name }))).toBe(Code.PermissionDenied);
      expect(await codeOf(alice.users.deleteApiKey({ name: own.apiKey?.name ?? "" }))).toBe(Code.PermissionDenied);
      // The key still works after the refused delete.
      expect((await clientsFor(t.admin.url, own.secret).auth.whoAmI({})).user?.username).toBe("bobby");

      const forBob = await t.root.users.createApiKey({ parent: bob.name, apiKey: { displayName: "issued by admin", expireTime: inHours(5) } });
      expect((await clientsFor(t.admin.url, forBob.secret).auth.whoAmI({})).user?.username).toBe("bobby");
      expect((await t.root.users.listApiKeys({ parent: bob.name })).apiKeys.map((k) => k.displayName)).toEqual(["bob's", "issued by admin"]);
      await t.root.users.deleteApiKey({ name: own.apiKey?.name ?? "" });
      expect(await codeOf(clientsFor(t.admin.url, own.secret).auth.whoAmI({}))).toBe(Code.Unauthenticated);
      expect(await codeOf(t.root.users.listApiKeys({ parent: "users/999999" }))).toBe(Code.NotFound);
    });

    it("validates CreateApiKey: each bad field is INVALID_ARGUMENT naming it, and no key is stored", async () => {
      const count = async (): Promise<number> => (await alice.users.listApiKeys({ parent: "users/-", pageSize: 500 })).apiKeys.length;
      const before = await count();
      const cases: [string, Parameters<Clients["users"]["createApiKey"]>[0]][] = [
        ["parent", { parent: "", apiKey: { displayName: "k", expireTime: inHours(1) } }],
        ["parent", { parent: "users/abc", apiKey: { displayName: "k", expireTime: inHours(1) } }],
        ["api_key", { parent: "users/-" }],
        ["api_key.display_name", { parent: "users/-", apiKey: { displayName: "  ", expireTime: inHours(1) } }],
        ["api_key.display_name", { parent: "users/-", apiKey: { displayName: "k".repeat(101), expireTime: inHours(1) } }],
        ["api_key.expire_time", { parent: "users/-", apiKey: { displayName: "k" } }],
        ["api_key.expire_time", { parent: "users/-", apiKey: { displayName: "k", expireTime: inHours(-1) } }],
        ["api_key.expire_time", { parent: "users/-", apiKey: { displayName: "k", expireTime: timestampFromMs(t.clock.now() + 2 * 367 * DAY) } }],
      ];
      for (const [field, request] of cases) {
        const error = await errorOf(alice.users.createApiKey(request));
        expect([field, error.code, error.rawMessage.startsWith(`${field}:`)]).toEqual([field, Code.InvalidArgument, true]);
      }
      expect(await count()).toBe(before);
      expect(await codeOf(alice.users.deleteApiKey({ name: "users/-/keys/1" }))).toBe(Code.InvalidArgument);
    });

    it("pages a user's keys", async () => {
      const { user } = await t.root.users.createUser({ user: { username: "pager" }, password: "Paging-secret-1" });
      const parent = user?.name ?? "";
      for (let i = 0; i < 3; i++) await t.root.users.createApiKey({ parent, apiKey: { displayName: `k${i}`, expireTime: inHours(2) } });
      const first = await t.root.users.listApiKeys({ parent, pageSize: 2 });
      const second = await t.root.users.listApiKeys({ parent, pageSize: 2, pageToken: first.nextPageToken });
      expect([...first.apiKeys, ...second.apiKeys].map((k) => k.displayName)).toEqual(["k0", "k1", "k2"]);
      expect(second.nextPageToken).toBe("");
    });
  });
}
