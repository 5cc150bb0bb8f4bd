import { Code, ConnectError } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRegistryEntries, lockGroup, upsertRegistryEntry } from "../../../src/admin/persistence/index.js";
import { createExecutor } from "../../../src/executor/index.js";
import { AddressType, type ExecutorGroup } from "../../../src/gen/jobwire/v1/executor_group_pb.js";
import { GetExecutorGroupResponseSchema } from "../../../src/gen/jobwire/v1/executor_group_service_pb.js";
import type { CreateExecutorGroupRequestSchema } from "../../../src/gen/jobwire/v1/executor_group_service_pb.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { testDialects } from "../../helpers/databases.js";
import { waitFor } from "../../helpers/wait-for.js";
import { startAdminFixture, type AdminFixture } from "./run-admin-fixture.js";

const ACTION = "jobwire.v1.ExecutorGroupService/";

function rejectsWith(code: Code, text = ""): (e: unknown) => boolean {
  return (e) => ConnectError.from(e).code === code && ConnectError.from(e).rawMessage.includes(text);
}

type CreateInit = MessageInitShape<typeof CreateExecutorGroupRequestSchema>;
const group = (fields: Partial<Pick<ExecutorGroup, "appName" | "displayName" | "addressType" | "manualAddresses">>): CreateInit["executorGroup"] => ({
  appName: "valid-app",
  displayName: "Valid app",
  ...fields,
});

/** Each request breaks exactly one field of an otherwise valid group; the error must name that field. */
const BAD_CREATES: readonly [string, CreateInit][] = [
  ["executor_group", {}],
  ["executor_group.app_name", { executorGroup: group({ appName: "abc" }) }],
  ["executor_group.app_name", { executorGroup: group({ appName: "Upper-case" }) }],
  ["executor_group.app_name", { executorGroup: group({ appName: "1starts-with-digit" }) }],
  ["executor_group.app_name", { executorGroup: group({ appName: "under_score" }) }],
  ["executor_group.app_name", { executorGroup: group({ appName: `a${"b".repeat(64)}` }) }],
  ["executor_group.display_name", { executorGroup: group({ displayName: "   " }) }],
  ["executor_group.display_name", { executorGroup: group({ displayName: "x".repeat(65) }) }],
  ["executor_group.address_type", { executorGroup: group({ addressType: 99 as AddressType }) }],
  ["executor_group.manual_addresses", { executorGroup: group({ addressType: AddressType.MANUAL, manualAddresses: [] }) }],
  ["executor_group.manual_addresses[0]", { executorGroup: group({ addressType: AddressType.MANUAL, manualAddresses: ["ftp://10.0.0.1:21"] }) }],
  ["executor_group.manual_addresses[1]", { executorGroup: group({ addressType: AddressType.MANUAL, manualAddresses: ["http://10.0.0.1:9999", "not a url"] }) }],
  ["executor_group.manual_addresses[0]", { executorGroup: group({ addressType: AddressType.MANUAL, manualAddresses: [`http://h/${"p".repeat(260)}`] }) }],
  ["executor_group.manual_addresses", { executorGroup: group({ addressType: AddressType.MANUAL, manualAddresses: Array.from({ length: 101 }, (_, i) => `http://10.0.0.${i}:9999`) }) }],
  ["access_token", { executorGroup: group({}), accessToken: "too-short" }],
  ["access_token", { executorGroup: group({}), accessToken: "has spaces in it, sadly" }],
];

for (const dialect of testDialects()) {
  describe(`ExecutorGroupService over real sockets on ${dialect}`, () => {
    let fx: AdminFixture;

    beforeAll(async () => {
      fx = await startAdminFixture(dialect, { monitorIntervalMs: 3_600_000, schedulerEnabled: false });
    });

    afterAll(async () => {
      await fx?.stop();
    });

    const groupCount = async (): Promise<number> => (await fx.clients.groups.listExecutorGroups({ pageSize: 500 })).executorGroups.length;

    it("refuses each bad field with INVALID_ARGUMENT naming it, and stores nothing", async () => {
      const before = await groupCount();
      for (const [field, request] of BAD_CREATES) {
        await expect(fx.clients.groups.createExecutorGroup(request), field).rejects.toSatisfy(rejectsWith(Code.InvalidArgument, `${field}:`));
      }
      expect(await groupCount()).toBe(before);
      expect(await fx.auditEntries(`${ACTION}CreateExecutorGroup`)).toEqual([]);
    });

    it("keeps app names unique (ALREADY_EXISTS) and normalises manual addresses", async () => {
      const { executorGroup } = await fx.clients.groups.createExecutorGroup({
        executorGroup: { appName: "unique-app", displayName: "Unique", addressType: AddressType.MANUAL, manualAddresses: [" http://10.0.0.2:9999/ ", "http://10.0.0.1:9999", "http://10.0.0.2:9999"] },
      });
      expect(executorGroup?.manualAddresses).toEqual(["http://10.0.0.1:9999", "http://10.0.0.2:9999"]);
      const before = await groupCount();
      await expect(fx.clients.groups.createExecutorGroup({ executorGroup: { appName: "unique-app", displayName: "Again" } })).rejects.toSatisfy(rejectsWith(Code.AlreadyExists, "unique-app"));
      expect(await groupCount()).toBe(before);
    });

    it("updates only the masked fields, refuses the immutable app name, and audits before and after", async () => {
      const { executorGroup } = await fx.clients.groups.createExecutorGroup({ executorGroup: { appName: "update-app", displayName: "Before" } });
      const name = executorGroup?.name ?? "";
      await expect(
        fx.clients.groups.updateExecutorGroup({ executorGroup: { name, appName: "renamed-app" }, updateMask: { paths: ["app_name"] } }),
      ).rejects.toSatisfy(rejectsWith(Code.InvalidArgument, "update_mask:"));
      await expect(
        fx.clients.groups.updateExecutorGroup({ executorGroup: { name, addressType: AddressType.MANUAL, manualAddresses: ["nope"] }, updateMask: { paths: ["address_type", "manual_addresses"] } }),
      ).rejects.toSatisfy(rejectsWith(Code.InvalidArgument, "executor_group.manual_addresses[0]:"));
      const { executorGroup: updated } = await fx.clients.groups.updateExecutorGroup({ executorGroup: { name, displayName: "After" }, updateMask: { paths: ["display_name"] } });
      expect(updated).toMatchObject({ appName: "update-app", displayName: "After", addressType: AddressType.AUTO });
      const entries = (await fx.auditEntries(`${ACTION}UpdateExecutorGroup`)).filter((e) => e.resource === name);
      expect(entries).toHaveLength(1);
      expect(JSON.parse(entries[0]?.before ?? "{}")).toMatchObject({ title: "Before", accessToken: "***" });
      expect(JSON.parse(entries[0]?.after ?? "{}")).toMatchObject({ title: "After", accessToken: "***" });
    });

    it("refuses to delete a group while jobs use it (FAILED_PRECONDITION with the count), then deletes it with its registrations", async () => {
      const { executorGroup } = await fx.clients.groups.createExecutorGroup({ executorGroup: { appName: "used-app", displayName: "Used" } });
      const name = executorGroup?.name ?? "";
      const jobs: string[] = [];
      for (const title of ["one", "two"]) {
        const { job } = await fx.clients.jobs.createJob({ job: { executorGroup: name, displayName: title, author: "groups-test", handler: "h" } });
        jobs.push(job?.name ?? "");
      }
      await upsertRegistryEntry(fx.db, { appName: "used-app", address: "http://10.0.0.9:9999", handlerNames: [], sdkVersion: "t", runningRunIds: [], queueDepths: {} }, Date.now());
      await expect(fx.clients.groups.deleteExecutorGroup({ name })).rejects.toSatisfy(rejectsWith(Code.FailedPrecondition, "2 job(s)"));
      expect((await fx.clients.groups.getExecutorGroup({ name })).executorGroup?.appName).toBe("used-app");
      for (const job of jobs) await fx.clients.jobs.deleteJob({ name: job });
      await fx.clients.groups.deleteExecutorGroup({ name });
      await expect(fx.clients.groups.getExecutorGroup({ name })).rejects.toSatisfy(rejectsWith(Code.NotFound));
      expect(await listRegistryEntries(fx.db, { appNames: ["used-app"] })).toEqual([]);
      expect((await fx.auditEntries(`${ACTION}DeleteExecutorGroup`)).map((e) => e.resource)).toContain(name);
    });

    // Row locks exist on MariaDB and PostgreSQL; SQLite runs one write transaction at a time, so there is no race there.
    if (dialect !== "sqlite")
      it("a job saved into a group being deleted waits for the delete and is then refused: no job is left without its group", async () => {
      const { executorGroup } = await fx.clients.groups.createExecutorGroup({ executorGroup: { appName: "racing-app", displayName: "Racing" } });
      const name = executorGroup?.name ?? "";
      const groupId = Number(name.split("/")[1]);
      // Another session deletes the group as DeleteExecutorGroup does: row locked first, deleted later.
      let locked!: () => void;
      let release!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      const deletion = fx.db.transaction().execute(async (trx) => {
        await lockGroup(trx, groupId);
        locked();
        await released;
        await trx.deleteFrom("jw_executor_group").where("id", "=", groupId).execute();
      });
      await isLocked;
      const creating = fx.clients.jobs.createJob({ job: { executorGroup: name, displayName: "late", author: "groups-test", handler: "h" } }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      // While the delete holds the group, the save waits for it (it would have finished long before this).
      const settledEarly = await Promise.race([creating.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500))]);
      expect(settledEarly).toBe(false);
      release();
      await deletion;
      const error = await creating;
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.rawMessage).toMatch(/^job\.executor_group: /);
      expect(await fx.db.selectFrom("jw_job").select("id").where("group_id", "=", groupId).execute()).toEqual([]);
    });

    it("lists live executors with their first and last beat, leaving out dead ones", async () => {
      const { executorGroup } = await fx.clients.groups.createExecutorGroup({ executorGroup: { appName: "beat-app", displayName: "Beats" } });
      const beat = { appName: "beat-app", handlerNames: ["a", "b"], sdkVersion: "9.9.9", runningRunIds: [7], queueDepths: {} };
      const at = Date.now() - 1_000;
      await upsertRegistryEntry(fx.db, { ...beat, address: "http://10.0.1.1:9999" }, at);
      await upsertRegistryEntry(fx.db, { ...beat, address: "http://10.0.1.2:9999" }, Date.now() - 3_600_000);
      const { executors } = await fx.clients.groups.listExecutors({ parent: executorGroup?.name ?? "" });
      expect(executors.map((e) => e.address)).toEqual(["http://10.0.1.1:9999"]);
      expect(executors[0]).toMatchObject({ handlerNames: ["a", "b"], sdkVersion: "9.9.9", runningRunCount: 1 });
      const lastBeat = executors[0]?.lastBeatTime;
      expect(lastBeat === undefined ? 0 : timestampMs(lastBeat)).toBe(at);
      expect((await fx.clients.groups.getExecutorGroup({ name: executorGroup?.name ?? "" })).executorGroup?.addresses).toEqual(["http://10.0.1.1:9999"]);
    });

    describe("access tokens", () => {
      let name = "";
      let firstToken = "";
      let logDir = "";

      beforeAll(async () => {
        const created = await fx.clients.groups.createExecutorGroup({ executorGroup: { appName: "token-app", displayName: "Tokens" } });
        name = created.executorGroup?.name ?? "";
        firstToken = created.accessToken;
        logDir = await mkdtemp(path.join(tmpdir(), "jobwire-groups-"));
      });

      afterAll(async () => {
        await rm(logDir, { recursive: true, force: true });
      });

      it("shows the token once on creation and rotation, to administrators only, and never writes it to the audit log", async () => {
        expect(firstToken).toMatch(/^[A-Za-z0-9._~-]{16,}$/);
        const rotated = await fx.clients.groups.rotateExecutorGroupToken({ name });
        expect(rotated.accessToken).not.toBe(firstToken);
        expect((await fx.clients.groups.revealExecutorGroupToken({ name })).accessToken).toBe(rotated.accessToken);
        const chosen = "chosen-token-0123456789";
        await fx.clients.groups.rotateExecutorGroupToken({ name, accessToken: chosen });
        await expect(fx.clients.groups.rotateExecutorGroupToken({ name, accessToken: "bad token" })).rejects.toSatisfy(rejectsWith(Code.InvalidArgument, "access_token:"));
        expect((await fx.clients.groups.revealExecutorGroupToken({ name })).accessToken).toBe(chosen);

        const entries = [
          ...(await fx.auditEntries(`${ACTION}CreateExecutorGroup`)),
          ...(await fx.auditEntries(`${ACTION}RotateExecutorGroupToken`)),
          ...(await fx.auditEntries(`${ACTION}RevealExecutorGroupToken`)),
        ].filter((e) => e.resource === name);
        expect(entries.map((e) => e.action.replace(ACTION, "")).sort()).toEqual(["CreateExecutorGroup", "RevealExecutorGroupToken", "RevealExecutorGroupToken", "RotateExecutorGroupToken", "RotateExecutorGroupToken"]);
        for (const entry of entries) {
          for (const token of [firstToken, rotated.accessToken, chosen]) expect(`${entry.before}${entry.after}`).not.toContain(token);
        }
      });

      it("lets an executor with the rotated token register", async () => {
        const token = (await fx.clients.groups.revealExecutorGroupToken({ name })).accessToken;
        const executor = createExecutor({ adminAddresses: [fx.admin.url], appName: "token-app", accessToken: token, host: "127.0.0.1", port: 0, logDir, logger: silentLogger });
        executor.register("h", () => "ok");
        await executor.start();
        try {
          const executors = await waitFor("the executor to register", async () => {
            const listed = (await fx.clients.groups.listExecutors({ parent: name })).executors;
            return listed.length > 0 ? listed : undefined;
          });
          expect(executors.map((e) => e.address)).toEqual([executor.address]);
        } finally {
          await executor.stop();
        }
      });

      it("never shows a normal user a token, and keeps group changes for administrators", async () => {
        const user = await fx.normalUser([Number(name.split("/")[1])]);
        const response = await user.groups.getExecutorGroup({ name });
        const token = (await fx.clients.groups.revealExecutorGroupToken({ name })).accessToken;
        expect(toJsonString(GetExecutorGroupResponseSchema, response)).not.toContain(token);
        const listed = await user.groups.listExecutorGroups({});
        expect(listed.executorGroups.map((g) => g.name)).toEqual([name]);
        await expect(user.groups.revealExecutorGroupToken({ name })).rejects.toSatisfy(rejectsWith(Code.PermissionDenied));
        await expect(user.groups.rotateExecutorGroupToken({ name })).rejects.toSatisfy(rejectsWith(Code.PermissionDenied));
        await expect(user.groups.updateExecutorGroup({ executorGroup: { name, displayName: "Mine now" } })).rejects.toSatisfy(rejectsWith(Code.PermissionDenied));
        await expect(user.groups.deleteExecutorGroup({ name })).rejects.toSatisfy(rejectsWith(Code.PermissionDenied));
        await expect(user.groups.createExecutorGroup({ executorGroup: { appName: "user-made", displayName: "No" } })).rejects.toSatisfy(rejectsWith(Code.PermissionDenied));
        expect((await fx.clients.groups.revealExecutorGroupToken({ name })).accessToken).toBe(token);
      });
    });
  });
}
