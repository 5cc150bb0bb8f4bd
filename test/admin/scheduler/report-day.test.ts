import { describe, expect, it } from "vitest";
import { reportDay } from "../../../src/admin/scheduler/report-day.js";

describe("reportDay", () => {
  it("gives the calendar day of the instant in the zone, on both sides of local midnight", () => {
    // 2030-01-01T16:00:00Z is midnight of 2030-01-02 in Shanghai (UTC+8).
    const midnight = Date.UTC(2030, 0, 1, 16, 0, 0);
    expect(reportDay(midnight - 1, "Asia/Shanghai")).toBe("2030-01-01");
    expect(reportDay(midnight, "Asia/Shanghai")).toBe("2030-01-02");
    expect(reportDay(midnight - 1, "UTC")).toBe("2030-01-01");
    expect(reportDay(midnight, "UTC")).toBe("2030-01-01");
  });

  it("answers right when calls alternate between zones and repeat within one second", () => {
    const midnightNewYork = Date.UTC(2030, 6, 2, 4, 0, 0); // EDT, UTC-4: 2030-07-02 00:00 local.
    const answers: string[] = [];
    for (const at of [midnightNewYork - 1_000, midnightNewYork - 1, midnightNewYork, midnightNewYork + 999]) {
      answers.push(reportDay(at, "America/New_York"), reportDay(at, "Asia/Tokyo"));
    }
    expect(answers).toEqual(["2030-07-01", "2030-07-02", "2030-07-01", "2030-07-02", "2030-07-02", "2030-07-02", "2030-07-02", "2030-07-02"]);
  });
});
