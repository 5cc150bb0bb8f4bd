import { describe, expect, it } from "vitest";
import {
  deleteExpiredCredentials,
  findActiveCredentialByHash,
  insertCredential,
  insertUser,
  listCredentials,
  revokeCredential,
  touchCredential,
  type NewCredential,
} from "../../../src/admin/persistence/index.js";
import type { User } from "../../../src/admin/domain/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { uniqueName } from "./fixtures.js";

function newCredential(userId: number, overrides: Partial<NewCredential> = {}): NewCredential {
  return { userId, kind: "SESSION", name: "", tokenHash: uniqueName("sha256"), tokenPrefix: "jws_1234", expireTime: 10_000, ...overrides };
}

describeEachDatabase("credential repository", (getDb) => {
  const seedUser = (): Promise<User> => insertUser(getDb(), { username: uniqueName("u"), role: "NORMAL", permittedGroupIds: [4], passwordHash: "h" }, 1);

  describe("insertCredential()", () => {
    it("stores a credential (never its hash in the result) and returns it", async () => {
      const user = await seedUser();
      const credential = await insertCredential(getDb(), newCredential(user.id, { kind: "API_KEY", name: "ci" }), 1_000);
      expect(credential).toEqual({ id: credential.id, userId: user.id, kind: "API_KEY", name: "ci", tokenPrefix: "jws_1234", createTime: 1_000, expireTime: 10_000, lastUsedTime: 0, revokeTime: 0 });
      expect(credential).not.toHaveProperty("tokenHash");
    });
  });

  describe("findActiveCredentialByHash()", () => {
    it("finds a valid credential together with its user", async () => {
      const user = await seedUser();
      const input = newCredential(user.id);
      const credential = await insertCredential(getDb(), input, 1_000);
      expect(await findActiveCredentialByHash(getDb(), input.tokenHash, 9_999)).toEqual({ credential, user });
    });

    it("ignores unknown, expired and revoked credentials", async () => {
      const user = await seedUser();
      const expiring = newCredential(user.id);
      await insertCredential(getDb(), expiring, 1_000);
      expect(await findActiveCredentialByHash(getDb(), "unknown-hash", 1_000)).toBeUndefined();
      expect(await findActiveCredentialByHash(getDb(), expiring.tokenHash, 10_000)).toBeUndefined();
      const revoked = newCredential(user.id);
      const stored = await insertCredential(getDb(), revoked, 1_000);
      await revokeCredential(getDb(), stored.id, 2_000);
      expect(await findActiveCredentialByHash(getDb(), revoked.tokenHash, 3_000)).toBeUndefined();
    });
  });

  describe("touchCredential()", () => {
    it("records the last use", async () => {
      const user = await seedUser();
      const input = newCredential(user.id);
      const credential = await insertCredential(getDb(), input, 1_000);
      await touchCredential(getDb(), credential.id, 5_000);
      expect((await findActiveCredentialByHash(getDb(), input.tokenHash, 5_000))?.credential.lastUsedTime).toBe(5_000);
    });
  });

  describe("revokeCredential()", () => {
    it("revokes once and keeps the first revoke time", async () => {
      const user = await seedUser();
      const credential = await insertCredential(getDb(), newCredential(user.id), 1_000);
      expect(await revokeCredential(getDb(), credential.id, 2_000)).toBe(true);
      expect(await revokeCredential(getDb(), credential.id, 3_000)).toBe(false);
      expect((await listCredentials(getDb(), { userId: user.id }))[0]?.revokeTime).toBe(2_000);
    });
  });

  describe("listCredentials()", () => {
    it("filters by user and kind in ascending id order", async () => {
      const user = await seedUser();
      const other = await seedUser();
      const session = await insertCredential(getDb(), newCredential(user.id), 1);
      const key = await insertCredential(getDb(), newCredential(user.id, { kind: "API_KEY", name: "deploy" }), 2);
      await insertCredential(getDb(), newCredential(other.id), 3);
      expect((await listCredentials(getDb(), { userId: user.id })).map((c) => c.id)).toEqual([session.id, key.id]);
      expect((await listCredentials(getDb(), { userId: user.id, kind: "API_KEY" })).map((c) => c.id)).toEqual([key.id]);
    });
  });

  describe("deleteExpiredCredentials()", () => {
    it("deletes credentials expired at or before the instant and returns how many", async () => {
      const user = await seedUser();
      await insertCredential(getDb(), newCredential(user.id, { expireTime: 100 }), 1);
      await insertCredential(getDb(), newCredential(user.id, { expireTime: 200 }), 1);
      const live = await insertCredential(getDb(), newCredential(user.id, { expireTime: 9_999_999_999_999 }), 1);
      expect(await deleteExpiredCredentials(getDb(), 200)).toBeGreaterThanOrEqual(2);
      expect((await listCredentials(getDb(), { userId: user.id })).map((c) => c.id)).toEqual([live.id]);
    });
  });
});
