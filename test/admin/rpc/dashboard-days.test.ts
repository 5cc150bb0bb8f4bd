import { describe, expect, it } from "vitest";
import { dayCount, daysOfRange } from "../../../src/admin/rpc/services/dashboard-days.js";

describe("daysOfRange()", () => {
  it("splits a UTC range into whole days, from the day of the start to the day of the last instant", () => {
    const start = Date.UTC(2026, 4, 1, 13);
    const end = Date.UTC(2026, 4, 3);
    expect(daysOfRange(start, end, "UTC")).toEqual({
      days: ["2026-05-01", "2026-05-02"],
      bounds: [Date.UTC(2026, 4, 1), Date.UTC(2026, 4, 2), Date.UTC(2026, 4, 3)],
    });
    expect(dayCount(start, end, "UTC")).toBe(2);
  });

  it("uses local midnights, so the day daylight saving shortens lasts 23 hours", () => {
    // Berlin moves from +01:00 to +02:00 on 2026-03-29 at 02:00 local time.
    const { days, bounds } = daysOfRange(Date.UTC(2026, 2, 28, 12), Date.UTC(2026, 2, 29, 12), "Europe/Berlin");
    expect(days).toEqual(["2026-03-28", "2026-03-29"]);
    expect(bounds).toEqual([Date.UTC(2026, 2, 27, 23), Date.UTC(2026, 2, 28, 23), Date.UTC(2026, 2, 29, 22)]);
  });
});
