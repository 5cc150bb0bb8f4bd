import { describe, expect, it } from "vitest";
import { LoginLimiter } from "../../../src/admin/auth/login-limiter.js";

describe("LoginLimiter", () => {
  it("blocks a key after the maximum failures within the window and frees it when the window passes", () => {
    const limiter = new LoginLimiter({ maxFailures: 3, windowMs: 1_000 });
    for (let i = 0; i < 3; i++) limiter.recordFailure("user:a", 100 + i);
    expect(limiter.retryAfterMs("user:a", 200)).toBe(900);
    expect(limiter.retryAfterMs("user:b", 200)).toBe(0);
    expect(limiter.retryAfterMs("user:a", 1_101)).toBe(0);
  });

  it("forgets failures on reset (a successful login)", () => {
    const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 1_000 });
    limiter.recordFailure("k", 1);
    limiter.recordFailure("k", 2);
    limiter.reset("k");
    expect(limiter.retryAfterMs("k", 3)).toBe(0);
  });
});
