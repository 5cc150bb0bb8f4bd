import { describe, expect, it } from "vitest";
import {
  claimPlannedFires,
  getPlannedFire,
  inTransaction,
  insertPlannedFires,
  insertPlannedFiresReturning,
  listDispatchableFires,
  listOwnFiresAfter,
  listPlannedFires,
  markFiresDispatched,
  releaseFires,
} from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { seedJob, uniqueName } from "./fixtures.js";

describeEachDatabase("planned-fire repository", (getDb, dialect) => {
  /** Marks one fire DISPATCHED as its owner's dispatch does; whether this call marked it. */
  const dispatch = async (id: number, now: number, owner: string): Promise<boolean> => (await inTransaction(getDb(), (trx) => markFiresDispatched(trx, [id], now, owner))).has(id);

  describe("insertPlannedFires()", () => {
    it("plans PLANNED fires and returns how many were inserted", async () => {
      const { job } = await seedJob(getDb());
      const inserted = await insertPlannedFires(
        getDb(),
        [
          { jobId: job.id, scheduledTime: 1_000, triggerType: "SCHEDULE" },
          { jobId: job.id, scheduledTime: 2_000, triggerType: "MISFIRE", owner: "admin-1", leaseUntil: 5_000 },
          { jobId: job.id, scheduledTime: 2_000, triggerType: "RETRY", originRunId: 42 },
        ],
        500,
      );
      // A retry of run 42 at the same instant as a schedule fire is a different fire.
      expect(inserted).toBe(3);
      const fires = await listPlannedFires(getDb(), { jobId: job.id }, 10);
      expect(fires).toEqual([
        { id: fires[0]?.id, jobId: job.id, scheduledTime: 1_000, triggerType: "SCHEDULE", state: "PLANNED", owner: "", leaseUntil: 0, createTime: 500, dispatchTime: 0, originRunId: 0 },
        { id: fires[1]?.id, jobId: job.id, scheduledTime: 2_000, triggerType: "MISFIRE", state: "PLANNED", owner: "admin-1", leaseUntil: 5_000, createTime: 500, dispatchTime: 0, originRunId: 0 },
        { id: fires[2]?.id, jobId: job.id, scheduledTime: 2_000, triggerType: "RETRY", state: "PLANNED", owner: "", leaseUntil: 0, createTime: 500, dispatchTime: 0, originRunId: 42 },
      ]);
    });

    it("ignores fires whose (job, instant) is already planned, within a batch and across calls", async () => {
      const { job } = await seedJob(getDb());
      const fire = (scheduledTime: number) => ({ jobId: job.id, scheduledTime, triggerType: "SCHEDULE" as const });
      expect(await insertPlannedFires(getDb(), [fire(1_000), fire(2_000)], 1)).toBe(2);
      expect(await insertPlannedFires(getDb(), [fire(2_000), fire(3_000), fire(3_000)], 2)).toBe(1);
      expect(await insertPlannedFires(getDb(), [fire(1_000)], 3)).toBe(0);
      expect((await listPlannedFires(getDb(), { jobId: job.id }, 10)).map((f) => f.scheduledTime)).toEqual([1_000, 2_000, 3_000]);
    });

    it("counts correctly when two admins plan the same fires concurrently", async () => {
      const { job } = await seedJob(getDb());
      const batch = Array.from({ length: 20 }, (_, i) => ({ jobId: job.id, scheduledTime: 10_000 + i, triggerType: "SCHEDULE" as const }));
      const [a, b] = await Promise.all([insertPlannedFires(getDb(), batch, 1), insertPlannedFires(getDb(), batch, 1)]);
      expect((a ?? 0) + (b ?? 0)).toBe(20);
      expect(await listPlannedFires(getDb(), { jobId: job.id }, 100)).toHaveLength(20);
    });

    it("inserts more fires than fit in one statement", async () => {
      const { job } = await seedJob(getDb());
      const batch = Array.from({ length: 1_234 }, (_, i) => ({ jobId: job.id, scheduledTime: i, triggerType: "SCHEDULE" as const }));
      expect(await insertPlannedFires(getDb(), batch, 1)).toBe(1_234);
      expect(await insertPlannedFires(getDb(), [], 1)).toBe(0);
    });
  });

  describe("insertPlannedFiresReturning()", () => {
    it("returns exactly the new fires as stored, ids included, where the database can (not on MySQL/MariaDB), across statements", async () => {
      const { job } = await seedJob(getDb());
      const fire = (scheduledTime: number) => ({ jobId: job.id, scheduledTime, triggerType: "SCHEDULE" as const, owner: "admin-r", leaseUntil: scheduledTime + 2_000 });
      await insertPlannedFires(getDb(), [fire(0), fire(700)], 1);
      // 1 200 fires over three statements, two of them planned already and one listed twice.
      const batch = [...Array.from({ length: 1_200 }, (_, i) => fire(i)), fire(5)];
      const { count, fires } = await insertPlannedFiresReturning(getDb(), batch, 9);
      expect(count).toBe(1_198);
      const stored = (await listPlannedFires(getDb(), { jobId: job.id }, 2_000)).filter((f) => f.scheduledTime !== 0 && f.scheduledTime !== 700);
      if (dialect === "mysql") {
        expect(fires).toBeUndefined();
      } else {
        expect(fires).toHaveLength(1_198);
        // In id order, each equal to its stored row.
        expect(fires).toEqual([...stored].sort((a, b) => a.id - b.id));
        expect(fires?.[0]).toMatchObject({ jobId: job.id, scheduledTime: 1, owner: "admin-r", leaseUntil: 2_001, state: "PLANNED", createTime: 9 });
      }
      expect(stored).toHaveLength(1_198);
      // Nothing to insert: no statement, and no new fires on any database.
      expect(await insertPlannedFiresReturning(getDb(), [], 1)).toEqual({ count: 0, fires: [] });
    });
  });

  describe("listPlannedFires()", () => {
    it("filters by state and due time, earliest first, up to the limit", async () => {
      const { job } = await seedJob(getDb());
      await insertPlannedFires(getDb(), [3_000, 1_000, 2_000, 9_000].map((scheduledTime) => ({ jobId: job.id, scheduledTime, triggerType: "SCHEDULE" as const })), 1);
      const [first] = await listPlannedFires(getDb(), { jobId: job.id }, 1);
      await dispatch(first?.id ?? 0, 5, "");
      const due = await listPlannedFires(getDb(), { jobId: job.id, state: "PLANNED", dueBefore: 3_000 }, 10);
      expect(due.map((f) => f.scheduledTime)).toEqual([2_000, 3_000]);
      expect((await listPlannedFires(getDb(), { jobId: job.id, state: "DISPATCHED" }, 10)).map((f) => f.scheduledTime)).toEqual([1_000]);
    });
  });

  describe("markFiresDispatched()", () => {
    it("marks only the fires still PLANNED and still the owner's, and says which", async () => {
      const { job } = await seedJob(getDb());
      const at = (t: number, owner: string) => ({ jobId: job.id, scheduledTime: t, triggerType: "SCHEDULE" as const, owner, leaseUntil: t + 2_000 });
      await insertPlannedFires(getDb(), [at(1_000, "a"), at(2_000, "a"), at(3_000, "b")], 1);
      const [f1, f2, f3] = await listPlannedFires(getDb(), { jobId: job.id }, 10);
      if (f1 === undefined || f2 === undefined || f3 === undefined) throw new Error("fires missing");
      await dispatch(f2.id, 5, "a");
      const marked = await inTransaction(getDb(), (trx) => markFiresDispatched(trx, [f1.id, f2.id, f3.id], 9, "a"));
      expect([...marked]).toEqual([f1.id]);
      expect(await getPlannedFire(getDb(), f1.id)).toMatchObject({ state: "DISPATCHED", dispatchTime: 9 });
      expect((await getPlannedFire(getDb(), f3.id))?.state).toBe("PLANNED");
    });
  });

  describe("claimPlannedFires()", () => {
    it("takes unowned and expired fires in one statement, leaves live leases and dispatched fires alone", async () => {
      const { job } = await seedJob(getDb());
      const [dead, live, me] = [uniqueName("dead"), uniqueName("live"), uniqueName("me")];
      const fire = (t: number, owner: string, leaseUntil: number) => ({ jobId: job.id, scheduledTime: t, triggerType: "SCHEDULE" as const, owner, leaseUntil });
      await insertPlannedFires(getDb(), [fire(1_000, dead, 3_000), fire(2_000, live, 9_000), fire(20_000, "", 0), fire(4_000, dead, 3_000)], 1);
      const all = await listPlannedFires(getDb(), { jobId: job.id }, 10);
      const byTime = new Map(all.map((f) => [f.scheduledTime, f]));
      await dispatch(byTime.get(4_000)?.id ?? 0, 5, dead);
      const claimed = await claimPlannedFires(getDb(), all.map((f) => f.id), me, 2_000, 5_000);
      // The overdue fire gets now + 2 s, the future unowned one its instant + 2 s.
      expect(claimed.map((f) => [f.scheduledTime, f.leaseUntil])).toEqual([
        [1_000, 7_000],
        [20_000, 22_000],
      ]);
      expect((await getPlannedFire(getDb(), byTime.get(2_000)?.id ?? 0))?.owner).toBe(live);
      // A second claimer finds nothing left.
      expect(await claimPlannedFires(getDb(), all.map((f) => f.id), uniqueName("other"), 2_000, 5_000)).toEqual([]);
    });
  });

  describe("takeover queries", () => {
    it("lists an admin's new fires by id, others' only when unowned or past their lease, and releases on stop", async () => {
      const { job } = await seedJob(getDb());
      // Owner names unique to this test: other tests of this file share the database.
      const [a, b, c] = [uniqueName("a"), uniqueName("b"), uniqueName("c")];
      const fire = (t: number, owner: string, leaseUntil: number) => ({ jobId: job.id, scheduledTime: t, triggerType: "SCHEDULE" as const, owner, leaseUntil });
      await insertPlannedFires(getDb(), [fire(1_000, a, 3_000), fire(2_000, b, 4_000), fire(2_500, "", 0)], 1);
      const own = await listOwnFiresAfter(getDb(), a, 0, 10);
      expect(own.map((f) => f.scheduledTime)).toEqual([1_000]);
      expect(await listOwnFiresAfter(getDb(), a, own[0]?.id ?? 0, 10)).toEqual([]);
      // At 3 500 a's lease is over, b's is not; the unowned one is always available.
      // Other tests of this file share the database: look at this job's fires only.
      const available = async () => (await listDispatchableFires(getDb(), c, 10_000, 3_500, 100_000)).filter((f) => f.jobId === job.id).map((f) => f.scheduledTime);
      expect(await available()).toEqual([1_000, 2_500]);
      expect(await releaseFires(getDb(), b)).toBe(1);
      expect(await available()).toEqual([1_000, 2_000, 2_500]);
    });

    it("stores an unowned fire without a lease, so that the takeover scan finds it at once, earliest first", async () => {
      const { job } = await seedJob(getDb());
      // A lease given without an owner means nothing: the fire is anyone's.
      await insertPlannedFires(getDb(), [{ jobId: job.id, scheduledTime: 9_000, triggerType: "RETRY", originRunId: 7, leaseUntil: 99_999 }], 1);
      await insertPlannedFires(getDb(), [{ jobId: job.id, scheduledTime: 8_000, triggerType: "PARENT", originRunId: 8 }], 1);
      const fires = await listPlannedFires(getDb(), { jobId: job.id }, 10);
      expect(fires.map((f) => [f.scheduledTime, f.owner, f.leaseUntil])).toEqual([
        [8_000, "", 0],
        [9_000, "", 0],
      ]);
      const found = (await listDispatchableFires(getDb(), uniqueName("d"), 10_000, 1, 100_000)).filter((f) => f.jobId === job.id);
      expect(found.map((f) => f.scheduledTime)).toEqual([8_000, 9_000]);
      // Not yet due within the window: left for later.
      expect((await listDispatchableFires(getDb(), uniqueName("d"), 8_500, 1, 100_000)).filter((f) => f.jobId === job.id).map((f) => f.scheduledTime)).toEqual([8_000]);
    });
  });

  describe("markFiresDispatched() racing itself", () => {
    it("dispatches a fire once", async () => {
      const { job } = await seedJob(getDb());
      await insertPlannedFires(getDb(), [{ jobId: job.id, scheduledTime: 1_000, triggerType: "SCHEDULE" }], 1);
      const [fire] = await listPlannedFires(getDb(), { jobId: job.id }, 1);
      const id = fire?.id ?? 0;
      const results = await Promise.all([1, 2, 3].map(() => dispatch(id, 7_000, "")));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await getPlannedFire(getDb(), id)).toMatchObject({ state: "DISPATCHED", dispatchTime: 7_000 });
      expect(await getPlannedFire(getDb(), 987_654)).toBeUndefined();
    });
  });

  describe("claimPlannedFires() racing itself", () => {
    it("gives each abandoned fire to exactly one of several admins claiming at once, and none before its lease ran out", async () => {
      const { job } = await seedJob(getDb());
      const dead = uniqueName("dead");
      const instants = [1_000, 2_000, 3_000];
      await insertPlannedFires(getDb(), instants.map((t) => ({ jobId: job.id, scheduledTime: t, triggerType: "SCHEDULE" as const, owner: dead, leaseUntil: t + 1_500 })), 1);
      const ids = (await listPlannedFires(getDb(), { jobId: job.id }, 10)).map((f) => f.id);
      // At 2 000 every lease (2 500 and later) still holds.
      expect(await claimPlannedFires(getDb(), ids, uniqueName("early"), 2_000, 2_000)).toEqual([]);

      const admins = [uniqueName("a"), uniqueName("b"), uniqueName("c")];
      const claims = await Promise.all(admins.map((admin) => claimPlannedFires(getDb(), ids, admin, 2_000, 10_000)));
      expect(claims.flat().map((f) => f.id).sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
      // Each fire is stored as the one admin's that got it, leased 2 s past now.
      const stored = await listPlannedFires(getDb(), { jobId: job.id }, 10);
      for (const fire of stored) {
        const winner = admins.find((_, i) => claims[i]?.some((f) => f.id === fire.id));
        expect(fire).toMatchObject({ owner: winner, leaseUntil: 12_000, state: "PLANNED" });
      }
    });
  });
});
