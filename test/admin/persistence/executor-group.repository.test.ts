import { describe, expect, it } from "vitest";
import {
  deleteGroup,
  getGroup,
  getGroupByAppName,
  insertGroup,
  listGroups,
  UniqueViolationError,
  updateGroup,
} from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { collectIds, newGroup, pageOf, uniqueName } from "./fixtures.js";

describeEachDatabase("executor-group repository", (getDb) => {
  describe("insertGroup()", () => {
    it("stores every field and returns the group with its id and times", async () => {
      const input = newGroup({ addressType: "MANUAL", manualAddresses: ["http://10.0.0.5:9999", "http://10.0.0.6:9999"] });
      const group = await insertGroup(getDb(), input, 1_700_000_000_000);
      expect(group).toEqual({ ...input, id: group.id, createTime: 1_700_000_000_000, updateTime: 1_700_000_000_000 });
      expect(await getGroup(getDb(), group.id)).toEqual(group);
    });

    it("throws UniqueViolationError for an app name that is taken", async () => {
      const appName = uniqueName("taken");
      await insertGroup(getDb(), newGroup({ appName }), 1);
      await expect(insertGroup(getDb(), newGroup({ appName, title: "Another" }), 2)).rejects.toBeInstanceOf(UniqueViolationError);
    });

    it("treats app names that differ only in case as different, as every dialect does", async () => {
      const appName = uniqueName("case");
      await insertGroup(getDb(), newGroup({ appName }), 1);
      await expect(insertGroup(getDb(), newGroup({ appName: appName.toUpperCase() }), 2)).resolves.toMatchObject({ appName: appName.toUpperCase() });
    });
  });

  describe("getGroup() / getGroupByAppName()", () => {
    it("return undefined for a group that does not exist", async () => {
      expect(await getGroup(getDb(), 987_654)).toBeUndefined();
      expect(await getGroupByAppName(getDb(), "no-such-app")).toBeUndefined();
    });

    it("finds a group by its app name", async () => {
      const group = await insertGroup(getDb(), newGroup(), 1);
      expect(await getGroupByAppName(getDb(), group.appName)).toEqual(group);
    });
  });

  describe("listGroups()", () => {
    it("returns every matching group exactly once across pages, in ascending id order", async () => {
      const marker = uniqueName("paging");
      const ids: number[] = [];
      for (let i = 0; i < 7; i++) ids.push((await insertGroup(getDb(), newGroup({ title: `${marker} ${i}` }), i)).id);
      const seen = await collectIds((cursor) => listGroups(getDb(), { titleContains: marker }, pageOf(3, cursor)));
      expect(seen).toEqual(ids);
    });

    it("has no next cursor when the last page is exactly full", async () => {
      const marker = uniqueName("exact");
      for (let i = 0; i < 2; i++) await insertGroup(getDb(), newGroup({ title: marker }), i);
      const page = await listGroups(getDb(), { titleContains: marker }, { limit: 2 });
      expect(page.items).toHaveLength(2);
      expect(page.nextCursor).toBeUndefined();
    });

    it("filters by case-insensitive substrings of app name and title", async () => {
      const app = await insertGroup(getDb(), newGroup({ appName: uniqueName("billing-svc"), title: "Billing Service" }), 1);
      const byApp = await listGroups(getDb(), { appNameContains: "BILLING-SVC" }, { limit: 100 });
      expect(byApp.items.map((g) => g.id)).toContain(app.id);
      const byTitle = await listGroups(getDb(), { titleContains: "billing serv" }, { limit: 100 });
      expect(byTitle.items.map((g) => g.id)).toContain(app.id);
    });

    it("matches %, _ and ! literally instead of as wildcards", async () => {
      const literal = await insertGroup(getDb(), newGroup({ title: `${uniqueName("t")} 50%_off!` }), 1);
      const decoy = await insertGroup(getDb(), newGroup({ title: `${uniqueName("t")} 50 xoff` }), 1);
      const ids = (await listGroups(getDb(), { titleContains: "50%_off!" }, { limit: 100 })).items.map((g) => g.id);
      expect(ids).toContain(literal.id);
      expect(ids).not.toContain(decoy.id);
    });

    it("restricts to the given ids and matches nothing for an empty id list", async () => {
      const a = await insertGroup(getDb(), newGroup(), 1);
      await insertGroup(getDb(), newGroup(), 1);
      expect((await listGroups(getDb(), { ids: [a.id] }, { limit: 100 })).items.map((g) => g.id)).toEqual([a.id]);
      expect(await listGroups(getDb(), { ids: [] }, { limit: 100 })).toEqual({ items: [] });
    });

    it("refuses a limit that is not a positive integer", async () => {
      await expect(listGroups(getDb(), {}, { limit: 0 })).rejects.toThrow(RangeError);
    });
  });

  describe("updateGroup()", () => {
    it("changes only the patched fields and the update time", async () => {
      const group = await insertGroup(getDb(), newGroup(), 1_000);
      const updated = await updateGroup(getDb(), group.id, { title: "Renamed", addressType: "MANUAL", manualAddresses: ["http://h:1"] }, 2_000);
      expect(updated).toEqual({ ...group, title: "Renamed", addressType: "MANUAL", manualAddresses: ["http://h:1"], updateTime: 2_000 });
      expect(await getGroup(getDb(), group.id)).toEqual(updated);
    });

    it("rotates the access token", async () => {
      const group = await insertGroup(getDb(), newGroup(), 1_000);
      expect((await updateGroup(getDb(), group.id, { accessToken: "rotated-token-0000" }, 2_000))?.accessToken).toBe("rotated-token-0000");
    });

    it("returns undefined for a group that does not exist", async () => {
      expect(await updateGroup(getDb(), 987_654, { title: "x" }, 1)).toBeUndefined();
    });
  });

  describe("deleteGroup()", () => {
    it("deletes the group and reports whether it existed", async () => {
      const group = await insertGroup(getDb(), newGroup(), 1);
      expect(await deleteGroup(getDb(), group.id)).toBe(true);
      expect(await getGroup(getDb(), group.id)).toBeUndefined();
      expect(await deleteGroup(getDb(), group.id)).toBe(false);
    });
  });
});
