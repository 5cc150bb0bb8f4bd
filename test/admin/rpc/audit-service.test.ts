import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDialects } from "../../helpers/databases.js";
import { codeOf, errorOf, startTestAdmin, type Clients, type TestAdmin } from "./user-admin-fixture.js";

const MINUTE = 60_000;

for (const dialect of testDialects()) {
  describe(`AuditService.ListAuditEntries over a real socket (${dialect})`, () => {
    let t: TestAdmin;
    let second: Clients & { name: string };
    let normal: Clients;
    let rootName: string;
    /** Clock readings around the audited changes below. */
    let t1 = 0;
    let t2 = 0;
    let created: string[] = [];

    beforeAll(async () => {
      t = await startTestAdmin(dialect);
      rootName = (await t.root.auth.whoAmI({})).user?.name ?? "";
      second = await t.createUserAndLogin("second-admin", { admin: true });
      normal = await t.createUserAndLogin("plain-user");
      t.clock.advance(MINUTE);
      t1 = t.clock.now();
      // One change per minute: root creates two users, the second admin one user and one group.
      for (const [who, username] of [[t.root, "audit-a"], [second, "audit-b"], [t.root, "audit-c"]] as const) {
        const { user } = await who.users.createUser({ user: { username }, password: "Audited-secret-1" });
        created.push(user?.name ?? "");
        t.clock.advance(MINUTE);
      }
      t2 = t.clock.now();
      await second.groups.createExecutorGroup({ executorGroup: { appName: "audited-group", displayName: "Audited" } });
    });
    afterAll(async () => {
      await t?.close();
      created = [];
    });

    it("lists entries newest first with who, what, when and the values before and after, secrets masked", async () => {
      const { auditEntries } = await t.root.audit.listAuditEntries({});
      expect(auditEntries[0]).toMatchObject({ actor: second.name, actorUsername: "second-admin", action: "jobwire.v1.ExecutorGroupService/CreateExecutorGroup" });
      const ids = auditEntries.map((e) => Number(e.name.split("/")[1]));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const c = auditEntries.find((e) => e.resource === created[2]);
      expect(c).toMatchObject({ actor: rootName, action: "jobwire.v1.UserService/CreateUser", beforeJson: "" });
      expect(JSON.parse(c?.afterJson ?? "{}")).toMatchObject({ username: "audit-c", role: "NORMAL" });
      expect(auditEntries.every((e) => !`${e.beforeJson}${e.afterJson}`.includes("Audited-secret-1"))).toBe(true);
    });

    it("filters by actor, resource prefix and time range (start inclusive, end exclusive)", async () => {
      const bySecond = await t.root.audit.listAuditEntries({ actor: second.name });
      expect(bySecond.auditEntries.map((e) => e.resource)).toEqual([expect.stringMatching(/^executorGroups\//), created[1]]);
      const users = await t.root.audit.listAuditEntries({ resourcePrefix: "users/", actor: rootName, startTime: timestampFromMs(t1) });
      expect(users.auditEntries.map((e) => e.resource)).toEqual([created[2], created[0]]);
      const window = await t.root.audit.listAuditEntries({ startTime: timestampFromMs(t1 + MINUTE), endTime: timestampFromMs(t2 - MINUTE) });
      expect(window.auditEntries.map((e) => e.resource)).toEqual([created[1]]);
      const none = await t.root.audit.listAuditEntries({ resourcePrefix: "jobs/" });
      expect(none.auditEntries).toEqual([]);
    });

    it("pages newest first with tokens bound to the filter", async () => {
      const all = (await t.root.audit.listAuditEntries({ pageSize: 500 })).auditEntries.map((e) => e.name);
      const seen: string[] = [];
      let pageToken = "";
      do {
        const page = await t.root.audit.listAuditEntries({ pageSize: 2, pageToken });
        expect(page.auditEntries.length).toBeLessThanOrEqual(2);
        seen.push(...page.auditEntries.map((e) => e.name));
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      expect(seen).toEqual(all);
      const first = await t.root.audit.listAuditEntries({ pageSize: 1 });
      expect(await codeOf(t.root.audit.listAuditEntries({ pageSize: 1, pageToken: first.nextPageToken, resourcePrefix: "users/" }))).toBe(Code.InvalidArgument);
    });

    it("refuses bad filters with INVALID_ARGUMENT naming the field", async () => {
      const cases: [string, Parameters<Clients["audit"]["listAuditEntries"]>[0]][] = [
        ["actor", { actor: "admin" }],
        ["end_time", { startTime: timestampFromMs(t2), endTime: timestampFromMs(t1) }],
        ["page_size", { pageSize: -1 }],
        ["page_token", { pageToken: "not-a-token" }],
        ["resource_prefix", { resourcePrefix: "x".repeat(256) }],
      ];
      for (const [field, request] of cases) {
        const error = await errorOf(t.root.audit.listAuditEntries(request));
        expect([field, error.code, error.rawMessage.startsWith(`${field}:`)]).toEqual([field, Code.InvalidArgument, true]);
      }
    });

    it("is for administrators only", async () => {
      expect(await codeOf(normal.audit.listAuditEntries({}))).toBe(Code.PermissionDenied);
      expect(await codeOf(normal.audit.listAuditEntries({ actor: second.name }))).toBe(Code.PermissionDenied);
    });
  });
}
