import { describe, expect, it } from "vitest";
import { createBusyoverStrategy } from "../../../src/admin/routing/busyover.js";
import { createConsistentHashStrategy } from "../../../src/admin/routing/consistent-hash.js";
import { createFailoverStrategy } from "../../../src/admin/routing/failover.js";
import { createFirstStrategy } from "../../../src/admin/routing/first.js";
import { createRouteStrategies } from "../../../src/admin/routing/index.js";
import { createLastStrategy } from "../../../src/admin/routing/last.js";
import { createLeastFrequentlyUsedStrategy } from "../../../src/admin/routing/least-frequently-used.js";
import { createLeastRecentlyUsedStrategy } from "../../../src/admin/routing/least-recently-used.js";
import { createRandomStrategy } from "../../../src/admin/routing/random.js";
import { createRoundStrategy } from "../../../src/admin/routing/round.js";
import type { Prober, RouteStrategyImpl } from "../../../src/admin/routing/route-strategy.js";
import { createShardingBroadcastStrategy } from "../../../src/admin/routing/sharding-broadcast.js";
import { ROUTE_STRATEGIES } from "../../../src/admin/domain/index.js";

const A = ["http://a:9999", "http://b:9999", "http://c:9999"];
const unexpected = (): Promise<never> => Promise.reject(new Error("not expected"));
const noProber: Prober = { beat: unexpected, idleBeat: unexpected };

async function pick(strategy: RouteStrategyImpl, jobId: number, addresses: readonly string[] = A, prober: Prober = noProber): Promise<string | undefined> {
  return (await strategy.route({ jobId, addresses, prober })).addresses[0];
}

describe("route strategies", () => {
  it("has an implementation for every route strategy of the contract", () => {
    expect([...createRouteStrategies().keys()].sort()).toEqual([...ROUTE_STRATEGIES].sort());
  });

  describe("FIRST and LAST", () => {
    it("pick the ends of the sorted list", async () => {
      expect(await pick(createFirstStrategy(), 1)).toBe("http://a:9999");
      expect(await pick(createLastStrategy(), 1)).toBe("http://c:9999");
    });
  });

  describe("RANDOM", () => {
    it("maps the random number onto the list, never past its end", async () => {
      expect(await pick(createRandomStrategy(() => 0), 1)).toBe("http://a:9999");
      expect(await pick(createRandomStrategy(() => 0.5), 1)).toBe("http://b:9999");
      expect(await pick(createRandomStrategy(() => 0.9999999), 1)).toBe("http://c:9999");
    });
  });

  describe("ROUND", () => {
    it("cycles through the addresses per job from its random start", async () => {
      const round = createRoundStrategy(() => 0.01);
      const picks = [];
      for (let i = 0; i < 6; i++) picks.push(await pick(round, 7));
      expect(picks).toEqual([A[1], A[2], A[0], A[1], A[2], A[0]]);
    });

    it("keeps a separate counter per job", async () => {
      const round = createRoundStrategy(() => 0);
      expect(await pick(round, 1)).toBe(A[0]);
      expect(await pick(round, 2)).toBe(A[0]);
      expect(await pick(round, 1)).toBe(A[1]);
    });

    it("drops its state after a day", async () => {
      let now = 0;
      const round = createRoundStrategy(() => 0, () => now);
      await pick(round, 1);
      await pick(round, 1);
      now = 25 * 3600_000;
      expect(await pick(round, 1)).toBe(A[0]);
    });
  });

  describe("CONSISTENT_HASH", () => {
    it("sends a job to the same address whatever the order of the list", async () => {
      const hash = createConsistentHashStrategy();
      for (let job = 1; job <= 50; job++) {
        const forward = await pick(hash, job, A);
        const reversed = await pick(hash, job, [...A].reverse());
        expect(reversed).toBe(forward);
      }
    });

    it("moves only the jobs of a removed address", async () => {
      const hash = createConsistentHashStrategy();
      const before = new Map<number, string | undefined>();
      for (let job = 1; job <= 300; job++) before.set(job, await pick(hash, job, A));
      const remaining = A.filter((a) => a !== "http://b:9999");
      for (let job = 1; job <= 300; job++) {
        const after = await pick(hash, job, remaining);
        if (before.get(job) !== "http://b:9999") expect(after).toBe(before.get(job));
      }
    });

    it("spreads jobs over every address", async () => {
      const hash = createConsistentHashStrategy();
      const counts = new Map<string, number>();
      for (let job = 1; job <= 600; job++) {
        const address = (await pick(hash, job)) ?? "";
        counts.set(address, (counts.get(address) ?? 0) + 1);
      }
      expect(counts.size).toBe(3);
      for (const count of counts.values()) expect(count).toBeGreaterThan(100);
    });
  });

  describe("LEAST_FREQUENTLY_USED", () => {
    it("balances picks so no address is used twice before each was used once", async () => {
      const lfu = createLeastFrequentlyUsedStrategy(() => 0);
      const picks = [];
      for (let i = 0; i < 6; i++) picks.push(await pick(lfu, 1));
      for (const address of A) expect(picks.filter((p) => p === address)).toHaveLength(2);
    });

    it("forgets addresses that left the list", async () => {
      const lfu = createLeastFrequentlyUsedStrategy(() => 0);
      await pick(lfu, 1, A);
      expect(await pick(lfu, 1, ["http://z:9999"])).toBe("http://z:9999");
    });
  });

  describe("LEAST_RECENTLY_USED", () => {
    it("picks unused addresses first, then the one used longest ago", async () => {
      const lru = createLeastRecentlyUsedStrategy();
      expect(await pick(lru, 1)).toBe(A[0]);
      expect(await pick(lru, 1)).toBe(A[1]);
      expect(await pick(lru, 1)).toBe(A[2]);
      expect(await pick(lru, 1)).toBe(A[0]);
      expect(await pick(lru, 1, [...A, "http://d:9999"])).toBe("http://d:9999");
      expect(await pick(lru, 1, [...A, "http://d:9999"])).toBe(A[1]);
    });
  });

  describe("FAILOVER", () => {
    it("picks the first address whose Beat succeeds and reports every probe", async () => {
      const prober: Prober = {
        beat: (address) => Promise.resolve({ address, ok: address !== "http://a:9999", message: address === "http://a:9999" ? "connection refused" : "alive" }),
        idleBeat: unexpected,
      };
      const decision = await createFailoverStrategy().route({ jobId: 1, addresses: A, prober });
      expect(decision.addresses).toEqual(["http://b:9999"]);
      expect(decision.probes).toEqual([
        { address: "http://a:9999", ok: false, message: "connection refused" },
        { address: "http://b:9999", ok: true, message: "alive" },
      ]);
    });

    it("chooses nothing, with a reason, when no executor answers", async () => {
      const prober: Prober = { beat: (address) => Promise.resolve({ address, ok: false, message: "down" }), idleBeat: unexpected };
      const decision = await createFailoverStrategy().route({ jobId: 1, addresses: A, prober });
      expect(decision.addresses).toEqual([]);
      expect(decision.probes).toHaveLength(3);
      expect(decision.reason).toMatch(/no executor answered/);
    });
  });

  describe("BUSYOVER", () => {
    it("picks the first address where the job is idle", async () => {
      const prober: Prober = { beat: unexpected, idleBeat: (address, jobId) => Promise.resolve({ address, ok: jobId === 4 && address === "http://c:9999", message: "" }) };
      const decision = await createBusyoverStrategy().route({ jobId: 4, addresses: A, prober });
      expect(decision.addresses).toEqual(["http://c:9999"]);
      expect(decision.probes.map((p) => p.ok)).toEqual([false, false, true]);
    });
  });

  describe("SHARDING_BROADCAST", () => {
    it("chooses every address", async () => {
      expect((await createShardingBroadcastStrategy().route({ jobId: 1, addresses: A, prober: noProber })).addresses).toEqual(A);
    });
  });
});
