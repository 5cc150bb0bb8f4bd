import { describe, expect, it } from "vitest";
import { insertAuditEntry, listAuditEntries, type NewAuditEntry } from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { collectIds, pageOf } from "./fixtures.js";

function entry(overrides: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    time: 1_000,
    actorUserId: 1,
    actorName: "admin",
    action: "jobwire.v1.JobService/UpdateJob",
    resource: "jobs/12",
    before: JSON.stringify({ name: "old" }),
    after: JSON.stringify({ name: "new" }),
    ...overrides,
  };
}

describeEachDatabase("audit repository", (getDb) => {
  describe("insertAuditEntry()", () => {
    it("stores the entry with large before and after documents", async () => {
      const big = JSON.stringify({ glueSource: "x".repeat(100_000) });
      const stored = await insertAuditEntry(getDb(), entry({ actorUserId: 77, before: big, after: "" }));
      const page = await listAuditEntries(getDb(), { actorUserId: 77 }, { limit: 10 });
      expect(page.items).toEqual([stored]);
      expect(stored.before).toBe(big);
    });
  });

  describe("listAuditEntries()", () => {
    it("returns every entry exactly once across pages, newest first", async () => {
      const ids: number[] = [];
      for (let i = 0; i < 7; i++) ids.push((await insertAuditEntry(getDb(), entry({ actorUserId: 501, time: 2_000 + i }))).id);
      expect(await collectIds((cursor) => listAuditEntries(getDb(), { actorUserId: 501 }, pageOf(3, cursor)))).toEqual([...ids].reverse());
    });

    it("filters by a case-sensitive resource prefix and an inclusive time range", async () => {
      const actor = 502;
      const job12 = await insertAuditEntry(getDb(), entry({ actorUserId: actor, resource: "jobs/12", time: 100 }));
      const job123 = await insertAuditEntry(getDb(), entry({ actorUserId: actor, resource: "jobs/123", time: 200 }));
      await insertAuditEntry(getDb(), entry({ actorUserId: actor, resource: "JOBS/12", time: 200 }));
      await insertAuditEntry(getDb(), entry({ actorUserId: actor, resource: "executorGroups/1", time: 300 }));
      const ids = async (filter: Parameters<typeof listAuditEntries>[1]): Promise<number[]> =>
        (await listAuditEntries(getDb(), { actorUserId: actor, ...filter }, { limit: 100 })).items.map((e) => e.id);
      expect(await ids({ resourcePrefix: "jobs/12" })).toEqual([job123.id, job12.id]);
      expect(await ids({ resourcePrefix: "jobs/", timeFrom: 150, timeTo: 200 })).toEqual([job123.id]);
      expect(await ids({ resourcePrefix: "jobs/%" })).toEqual([]);
    });
  });
});
