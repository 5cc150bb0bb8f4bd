import { describe, expect, it } from "vitest";
import { addToDailyReport, listDailyReports, REPORT_SLOTS } from "../../../src/admin/persistence/index.js";
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

    it("sums a day over its slots: increments spread over every slot read as one day, the latest update time kept", async () => {
      for (let slot = 0; slot < REPORT_SLOTS; slot++) await addToDailyReport(getDb(), "2026-01-04", { running: 0, succeeded: slot + 1, failed: slot % 2 }, 1_000 + slot, slot);
      await addToDailyReport(getDb(), "2026-01-04", { running: 1, succeeded: 1, failed: 1 }, 900, 3);
      await addToDailyReport(getDb(), "2026-01-05", { running: 0, succeeded: 2, failed: 0 }, 5_000, 3);
      expect(await listDailyReports(getDb(), "2026-01-04", "2026-01-05")).toEqual([
        { day: "2026-01-04", runningCount: 1, succeededCount: (REPORT_SLOTS * (REPORT_SLOTS + 1)) / 2 + 1, failedCount: REPORT_SLOTS / 2 + 1, updateTime: 1_000 + REPORT_SLOTS - 1 },
        { day: "2026-01-05", runningCount: 0, succeededCount: 2, failedCount: 0, updateTime: 5_000 },
      ]);
    });

    it("refuses a slot outside 0 … REPORT_SLOTS − 1 and changes nothing", async () => {
      await expect(addToDailyReport(getDb(), "2026-01-06", { running: 0, succeeded: 1, failed: 0 }, 1, REPORT_SLOTS)).rejects.toThrow(/report slot must be an integer from 0 to 15, got 16/);
      await expect(addToDailyReport(getDb(), "2026-01-06", { running: 0, succeeded: 1, failed: 0 }, 1, -1)).rejects.toThrow(/report slot/);
      expect(await listDailyReports(getDb(), "2026-01-06", "2026-01-06")).toEqual([]);
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
