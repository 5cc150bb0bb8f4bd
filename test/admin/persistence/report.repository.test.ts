import { describe, expect, it } from "vitest";
import { addToDailyReport, listDailyReports } from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";

describeEachDatabase("report repository", (getDb) => {
  describe("addToDailyReport()", () => {
    it("creates the day's row with the deltas", async () => {
      await addToDailyReport(getDb(), "2026-01-01", { running: 2, succeeded: 1, failed: 0 }, 1_000);
      expect(await listDailyReports(getDb(), "2026-01-01", "2026-01-01")).toEqual([
        { day: "2026-01-01", runningCount: 2, succeededCount: 1, failedCount: 0, updateTime: 1_000 },
      ]);
    });

    it("accumulates increments, negative ones included", async () => {
      await addToDailyReport(getDb(), "2026-01-02", { running: 3, succeeded: 0, failed: 0 }, 1_000);
      await addToDailyReport(getDb(), "2026-01-02", { running: -2, succeeded: 1, failed: 1 }, 2_000);
      await addToDailyReport(getDb(), "2026-01-02", { running: 0, succeeded: 5, failed: 0 }, 3_000);
      expect(await listDailyReports(getDb(), "2026-01-02", "2026-01-02")).toEqual([
        { day: "2026-01-02", runningCount: 1, succeededCount: 6, failedCount: 1, updateTime: 3_000 },
      ]);
    });

    it("loses no increment when many are applied concurrently", async () => {
      await Promise.all(Array.from({ length: 25 }, (_, i) => addToDailyReport(getDb(), "2026-01-03", { running: 0, succeeded: 1, failed: i % 2 }, 1_000 + i)));
      expect(await listDailyReports(getDb(), "2026-01-03", "2026-01-03")).toMatchObject([{ succeededCount: 25, failedCount: 12 }]);
    });

    it("refuses a day that is not YYYY-MM-DD", async () => {
      await expect(addToDailyReport(getDb(), "2026-1-3", { running: 1, succeeded: 0, failed: 0 }, 1)).rejects.toThrow(/YYYY-MM-DD/);
    });
  });

  describe("listDailyReports()", () => {
    it("lists the days of an inclusive range, oldest first", async () => {
      for (const day of ["2026-02-03", "2026-02-01", "2026-02-02", "2026-02-04"]) await addToDailyReport(getDb(), day, { running: 0, succeeded: 1, failed: 0 }, 1);
      expect((await listDailyReports(getDb(), "2026-02-01", "2026-02-03")).map((r) => r.day)).toEqual(["2026-02-01", "2026-02-02", "2026-02-03"]);
    });
  });
});
