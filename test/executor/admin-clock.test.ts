import { describe, expect, it } from "vitest";
import { AdminClock } from "../../src/executor/admin-clock.js";

describe("AdminClock", () => {
  it("is the local clock before any beat", () => {
    expect(new AdminClock().offsetMs).toBe(0);
  });

  it("takes the offset from the middle of a beat's round trip", () => {
    const clock = new AdminClock();
    // Sent at 1 000, answered at 1 010: the admin said 6 005 at about 1 005, so it is 5 000 ms ahead.
    clock.observe(1_000, 6_005, 1_010);
    expect(clock.offsetMs).toBe(5_000);
  });

  it("trusts the beat with the shortest round trip among the recent ones", () => {
    const clock = new AdminClock();
    clock.observe(1_000, 3_002, 1_004); // round trip 4 ms: offset 2 000
    clock.observe(2_000, 4_300, 2_400); // a beat held up 400 ms by a busy admin: says little
    expect(clock.offsetMs).toBe(2_000);
    // After eight newer beats the old fast one is forgotten.
    for (let i = 0; i < 8; i++) clock.observe(10_000 + i * 1_000, 10_000 + i * 1_000 + 1_510, 10_000 + i * 1_000 + 20);
    expect(clock.offsetMs).toBe(1_500);
  });
});
