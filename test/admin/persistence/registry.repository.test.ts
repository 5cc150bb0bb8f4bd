import { describe, expect, it } from "vitest";
import {
  deleteRegistryEntriesBefore,
  listRegistryEntries,
  removeRegistryEntry,
  upsertRegistryEntry,
  type RegistryBeat,
} from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { uniqueName } from "./fixtures.js";

function beat(appName: string, address: string, overrides: Partial<RegistryBeat> = {}): RegistryBeat {
  return {
    appName,
    address,
    handlerNames: ["exportHandler", "importHandler"],
    sdkVersion: "0.1.0",
    runningRunIds: [11, 12],
    queueDepths: { "7": 2 },
    ...overrides,
  };
}

describeEachDatabase("registry repository", (getDb) => {
  describe("upsertRegistryEntry()", () => {
    it("inserts a first beat with equal first and last beat times", async () => {
      const app = uniqueName("app");
      await upsertRegistryEntry(getDb(), beat(app, "http://10.0.0.5:9999"), 1_000);
      expect(await listRegistryEntries(getDb(), { appNames: [app] })).toEqual([
        { ...beat(app, "http://10.0.0.5:9999"), firstBeatTime: 1_000, lastBeatTime: 1_000 },
      ]);
    });

    it("updates the reported fields on a later beat and keeps the first beat time", async () => {
      const app = uniqueName("app");
      await upsertRegistryEntry(getDb(), beat(app, "http://10.0.0.5:9999"), 1_000);
      const later = beat(app, "http://10.0.0.5:9999", { handlerNames: ["onlyOne"], sdkVersion: "0.2.0", runningRunIds: [], queueDepths: {} });
      await upsertRegistryEntry(getDb(), later, 5_000);
      expect(await listRegistryEntries(getDb(), { appNames: [app] })).toEqual([{ ...later, firstBeatTime: 1_000, lastBeatTime: 5_000 }]);
    });

    it("survives concurrent beats of one executor without a duplicate-key error", async () => {
      const app = uniqueName("app");
      await Promise.all([1, 2, 3, 4, 5].map((i) => upsertRegistryEntry(getDb(), beat(app, "http://10.0.0.5:9999"), 1_000 + i)));
      const entries = await listRegistryEntries(getDb(), { appNames: [app] });
      expect(entries).toHaveLength(1);
    });

    it("stores a large handler list (beyond MySQL's 64 KiB TEXT)", async () => {
      const app = uniqueName("app");
      const handlerNames = Array.from({ length: 5_000 }, (_, i) => `handlerNumber${i}WithALongName`);
      await upsertRegistryEntry(getDb(), beat(app, "http://10.0.0.5:9999", { handlerNames }), 1_000);
      expect((await listRegistryEntries(getDb(), { appNames: [app] }))[0]?.handlerNames).toEqual(handlerNames);
    });
  });

  describe("listRegistryEntries()", () => {
    it("filters by app names and by last beat, ordered by app name then address", async () => {
      const a = uniqueName("a-app");
      const b = uniqueName("b-app");
      await upsertRegistryEntry(getDb(), beat(a, "http://10.0.0.6:9999"), 2_000);
      await upsertRegistryEntry(getDb(), beat(a, "http://10.0.0.5:9999"), 3_000);
      await upsertRegistryEntry(getDb(), beat(b, "http://10.0.0.7:9999"), 500);
      const all = await listRegistryEntries(getDb(), { appNames: [b, a] });
      expect(all.map((e) => [e.appName, e.address])).toEqual([
        [a, "http://10.0.0.5:9999"],
        [a, "http://10.0.0.6:9999"],
        [b, "http://10.0.0.7:9999"],
      ]);
      const alive = await listRegistryEntries(getDb(), { appNames: [a, b], aliveSince: 2_000 });
      expect(alive.map((e) => e.address)).toEqual(["http://10.0.0.5:9999", "http://10.0.0.6:9999"]);
    });

    it("matches nothing for an empty app name list", async () => {
      expect(await listRegistryEntries(getDb(), { appNames: [] })).toEqual([]);
    });
  });

  describe("removeRegistryEntry()", () => {
    it("removes one address of an app and reports whether it existed", async () => {
      const app = uniqueName("app");
      await upsertRegistryEntry(getDb(), beat(app, "http://10.0.0.5:9999"), 1_000);
      await upsertRegistryEntry(getDb(), beat(app, "http://10.0.0.6:9999"), 1_000);
      expect(await removeRegistryEntry(getDb(), app, "http://10.0.0.5:9999")).toBe(true);
      expect(await removeRegistryEntry(getDb(), app, "http://10.0.0.5:9999")).toBe(false);
      expect((await listRegistryEntries(getDb(), { appNames: [app] })).map((e) => e.address)).toEqual(["http://10.0.0.6:9999"]);
    });
  });

  describe("deleteRegistryEntriesBefore()", () => {
    it("deletes entries whose last beat is older than the instant and returns how many", async () => {
      const app = uniqueName("app");
      await upsertRegistryEntry(getDb(), beat(app, "http://10.0.0.5:9999"), 10);
      await upsertRegistryEntry(getDb(), beat(app, "http://10.0.0.6:9999"), 20);
      await upsertRegistryEntry(getDb(), beat(app, "http://10.0.0.7:9999"), 9_999_999_999_999);
      const deleted = await deleteRegistryEntriesBefore(getDb(), 21);
      expect(deleted).toBeGreaterThanOrEqual(2);
      expect((await listRegistryEntries(getDb(), { appNames: [app] })).map((e) => e.address)).toEqual(["http://10.0.0.7:9999"]);
    });
  });
});
