import { describe, expect, it } from "vitest";
import { getLease, releaseLease, tryAcquireLease } from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { uniqueName } from "./fixtures.js";

describeEachDatabase("lease repository", (getDb) => {
  describe("tryAcquireLease()", () => {
    it("gives a free lease to the first owner and refuses a second owner while it runs", async () => {
      const name = uniqueName("lease");
      expect(await tryAcquireLease(getDb(), name, "admin-a", 1_000, 10_000)).toBe(true);
      expect(await tryAcquireLease(getDb(), name, "admin-b", 1_000, 10_500)).toBe(false);
      expect(await getLease(getDb(), name)).toEqual({ name, owner: "admin-a", expireTime: 11_000 });
    });

    it("lets the holder renew, even within the same millisecond", async () => {
      const name = uniqueName("lease");
      await tryAcquireLease(getDb(), name, "admin-a", 1_000, 10_000);
      expect(await tryAcquireLease(getDb(), name, "admin-a", 1_000, 10_000)).toBe(true);
      expect(await tryAcquireLease(getDb(), name, "admin-a", 1_000, 10_900)).toBe(true);
      expect(await getLease(getDb(), name)).toMatchObject({ owner: "admin-a", expireTime: 11_900 });
    });

    it("hands an expired lease to another owner, after which the old holder is refused", async () => {
      const name = uniqueName("lease");
      await tryAcquireLease(getDb(), name, "admin-a", 1_000, 10_000);
      expect(await tryAcquireLease(getDb(), name, "admin-b", 1_000, 11_000)).toBe(true);
      expect(await tryAcquireLease(getDb(), name, "admin-a", 1_000, 11_001)).toBe(false);
      expect(await getLease(getDb(), name)).toMatchObject({ owner: "admin-b", expireTime: 12_000 });
    });

    it("gives a free lease to exactly one of many concurrent contenders", async () => {
      const name = uniqueName("lease");
      const owners = Array.from({ length: 8 }, (_, i) => `admin-${i}`);
      const results = await Promise.all(owners.map((owner) => tryAcquireLease(getDb(), name, owner, 5_000, 10_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await getLease(getDb(), name))?.owner).toBe(owners[results.indexOf(true)]);
    });

    it("gives an expired lease to exactly one of many concurrent contenders", async () => {
      const name = uniqueName("lease");
      await tryAcquireLease(getDb(), name, "dead-admin", 1_000, 10_000);
      const owners = Array.from({ length: 8 }, (_, i) => `admin-${i}`);
      const results = await Promise.all(owners.map((owner) => tryAcquireLease(getDb(), name, owner, 5_000, 20_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await getLease(getDb(), name))?.owner).toBe(owners[results.indexOf(true)]);
    });
  });

  describe("releaseLease()", () => {
    it("releases only the holder's lease, which is then free for others", async () => {
      const name = uniqueName("lease");
      await tryAcquireLease(getDb(), name, "admin-a", 60_000, 10_000);
      expect(await releaseLease(getDb(), name, "admin-b")).toBe(false);
      expect(await releaseLease(getDb(), name, "admin-a")).toBe(true);
      expect(await getLease(getDb(), name)).toBeUndefined();
      expect(await tryAcquireLease(getDb(), name, "admin-b", 60_000, 10_001)).toBe(true);
    });
  });
});
