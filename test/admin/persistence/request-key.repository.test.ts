import { describe, expect, it } from "vitest";
import { deleteRequestKeysBefore, getRequestKey, inTransaction, insertRequestKey } from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { uniqueName } from "./fixtures.js";

const CREATE = "jobwire.v1.JobService/CreateJob";
const TRIGGER = "jobwire.v1.JobService/TriggerJob";

describeEachDatabase("request key repository", (getDb) => {
  describe("insertRequestKey() and getRequestKey()", () => {
    it("stores a key with its response once and refuses the same key again, keeping the first response", async () => {
      const key = { userId: 1, method: CREATE, requestId: uniqueName("key") };
      expect(await getRequestKey(getDb(), key)).toBeUndefined();
      expect(await insertRequestKey(getDb(), key, ["jobs/7"], 10_000)).toBe(true);
      expect(await insertRequestKey(getDb(), key, ["jobs/8"], 10_001)).toBe(false);
      expect(await getRequestKey(getDb(), key)).toEqual({ ...key, resources: ["jobs/7"], createTime: 10_000 });
    });

    it("keeps keys apart per user and per method", async () => {
      const requestId = uniqueName("shared");
      expect(await insertRequestKey(getDb(), { userId: 1, method: TRIGGER, requestId }, ["runs/1", "runs/2"], 10_000)).toBe(true);
      expect(await insertRequestKey(getDb(), { userId: 2, method: TRIGGER, requestId }, ["runs/3"], 10_000)).toBe(true);
      expect(await insertRequestKey(getDb(), { userId: 1, method: CREATE, requestId }, ["jobs/4"], 10_000)).toBe(true);
      expect((await getRequestKey(getDb(), { userId: 1, method: TRIGGER, requestId }))?.resources).toEqual(["runs/1", "runs/2"]);
      expect((await getRequestKey(getDb(), { userId: 2, method: TRIGGER, requestId }))?.resources).toEqual(["runs/3"]);
      expect((await getRequestKey(getDb(), { userId: 1, method: CREATE, requestId }))?.resources).toEqual(["jobs/4"]);
    });

    it("stores nothing when the transaction that inserted the key rolls back", async () => {
      const key = { userId: 1, method: CREATE, requestId: uniqueName("rolled-back") };
      await expect(
        inTransaction(getDb(), async (trx) => {
          await insertRequestKey(trx, key, ["jobs/9"], 10_000);
          throw new Error("the call failed after storing its key");
        }),
      ).rejects.toThrow("the call failed");
      expect(await getRequestKey(getDb(), key)).toBeUndefined();
      expect(await insertRequestKey(getDb(), key, ["jobs/10"], 10_000)).toBe(true);
    });
  });

  describe("deleteRequestKeysBefore()", () => {
    it("deletes keys stored before the instant, at most `limit` per call, and keeps newer ones", async () => {
      const db = getDb();
      // Other tests of this file store keys at 10 000; these are older than all of them.
      const old = [0, 1, 2].map((i) => ({ userId: 9, method: CREATE, requestId: uniqueName(`old-${i}`) }));
      for (const key of old) await insertRequestKey(db, key, ["jobs/1"], 500);
      const recent = { userId: 9, method: CREATE, requestId: uniqueName("recent") };
      await insertRequestKey(db, recent, ["jobs/2"], 1_000);
      expect(await deleteRequestKeysBefore(db, 1_000, 2)).toBe(2);
      expect(await deleteRequestKeysBefore(db, 1_000, 2)).toBe(1);
      expect(await deleteRequestKeysBefore(db, 1_000, 2)).toBe(0);
      for (const key of old) expect(await getRequestKey(db, key)).toBeUndefined();
      expect(await getRequestKey(db, recent)).toBeDefined();
    });
  });
});
