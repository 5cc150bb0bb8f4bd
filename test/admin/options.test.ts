import { describe, expect, it } from "vitest";
import { resolveAdminOptions } from "../../src/admin/options.js";
import { silentLogger } from "../../src/shared/logger.js";

const resolve = (options: Parameters<typeof resolveAdminOptions>[0] = {}) => resolveAdminOptions({ logger: silentLogger, ...options });

describe("resolveAdminOptions: dispatch timing", () => {
  it("defaults the dispatch lead to 300 ms, a burst's lead to at most 3 s and the acceptance linger to 1 s", () => {
    const options = resolve();
    expect(options.dispatchLeadMs).toBe(300);
    expect(options.maxDispatchLeadMs).toBe(3_000);
    expect(options.acceptLingerMs).toBe(1_000);
  });

  it("keeps the default burst lead inside the window in which fires are known (pre-read minus one scan)", () => {
    expect(resolve({ preReadMs: 2_000, scanIntervalMs: 1_000 }).maxDispatchLeadMs).toBe(1_000);
    // Never below the plain lead: pacing is then off rather than the options refused.
    expect(resolve({ preReadMs: 1_000, scanIntervalMs: 1_000, dispatchLeadMs: 200 }).maxDispatchLeadMs).toBe(200);
  });

  it("takes an explicit burst lead between the dispatch lead and the pre-read window", () => {
    expect(resolve({ maxDispatchLeadMs: 300 }).maxDispatchLeadMs).toBe(300);
    expect(resolve({ maxDispatchLeadMs: 5_000 }).maxDispatchLeadMs).toBe(5_000);
  });

  it("refuses a burst lead below the dispatch lead, beyond the pre-read window, or not a whole number, naming the option", () => {
    expect(() => resolve({ maxDispatchLeadMs: 299 })).toThrow(/"maxDispatchLeadMs" \(299\) must lie between "dispatchLeadMs" \(300\) and "preReadMs" \(5000\)/);
    expect(() => resolve({ maxDispatchLeadMs: 5_001 })).toThrow(/"maxDispatchLeadMs"/);
    expect(() => resolve({ maxDispatchLeadMs: 1.5 })).toThrow(/"maxDispatchLeadMs" must be an integer/);
    expect(() => resolve({ dispatchLeadMs: -1 })).toThrow(/"dispatchLeadMs" must be an integer of at least 0/);
  });
});
