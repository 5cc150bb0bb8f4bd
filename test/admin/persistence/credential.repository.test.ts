import { describe, expect, it } from "vitest";
import {
  deleteExpiredCredentials,
  findActiveCredentialByHash,
  getCredential,
  insertCredential,
  insertUser,
  listApiKeys,
  listCredentials,
  revokeCredential,
  revokeUserSessions,
  touchCredential,
  updateUser,
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

  describe("disabled users", () => {
    it("refuses the credentials of a disabled user and accepts them again once re-enabled", async () => {
      const user = await seedUser();
      const input = newCredential(user.id);
      await insertCredential(getDb(), input, 1_000);
      await updateUser(getDb(), user.id, { disabled: true }, 2_000);
      expect(await findActiveCredentialByHash(getDb(), input.tokenHash, 3_000)).toBeUndefined();
      await updateUser(getDb(), user.id, { disabled: false }, 4_000);
      expect((await findActiveCredentialByHash(getDb(), input.tokenHash, 5_000))?.user.disabled).toBe(false);
    });
  });

  describe("getCredential() and listApiKeys()", () => {
    it("reads one credential and pages a user's unrevoked API keys in ascending id order", async () => {
      const user = await seedUser();
      await insertCredential(getDb(), newCredential(user.id), 1);
      const keys = [];
      for (let i = 0; i < 3; i++) keys.push(await insertCredential(getDb(), newCredential(user.id, { kind: "API_KEY", name: `k${i}` }), 1));
      const [first, second, third] = keys;
      if (first === undefined || second === undefined || third === undefined) throw new Error("three keys expected");
      await revokeCredential(getDb(), second.id, 2);
      expect(await getCredential(getDb(), second.id)).toMatchObject({ id: second.id, revokeTime: 2 });
      const page1 = await listApiKeys(getDb(), user.id, { limit: 1 });
      expect(page1.items.map((c) => c.id)).toEqual([first.id]);
      expect(page1.nextCursor).toBe(first.id);
      const page2 = await listApiKeys(getDb(), user.id, { limit: 5, cursor: first.id });
      expect(page2).toEqual({ items: [third] });
    });
  });

  describe("revokeUserSessions()", () => {
    it("revokes the user's live sessions except the kept one, and leaves API keys alone", async () => {
      const user = await seedUser();
      const keep = await insertCredential(getDb(), newCredential(user.id), 1);
      const other = await insertCredential(getDb(), newCredential(user.id), 1);
      const key = await insertCredential(getDb(), newCredential(user.id, { kind: "API_KEY", name: "ci" }), 1);
      expect(await revokeUserSessions(getDb(), user.id, keep.id, 50)).toBe(1);
      const byId = new Map((await listCredentials(getDb(), { userId: user.id })).map((c) => [c.id, c.revokeTime]));
      expect([byId.get(keep.id), byId.get(other.id), byId.get(key.id)]).toEqual([0, 50, 0]);
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
