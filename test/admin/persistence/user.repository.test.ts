import { describe, expect, it } from "vitest";
import {
  countUsers,
  deleteUser,
  getUser,
  getUserByUsername,
  insertCredential,
  insertUser,
  listCredentials,
  listUsers,
  UniqueViolationError,
  updateUser,
  type NewUser,
} from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { collectIds, pageOf, uniqueName } from "./fixtures.js";

function newUser(overrides: Partial<NewUser> = {}): NewUser {
  return { username: uniqueName("user"), role: "NORMAL", permittedGroupIds: [1, 2], passwordHash: "scrypt$16384$8$1$salt$hash", ...overrides };
}

describeEachDatabase("user repository", (getDb) => {
  describe("insertUser()", () => {
    it("stores the user and returns it without the password hash", async () => {
      const input = newUser();
      const user = await insertUser(getDb(), input, 1_000);
      expect(user).toEqual({ id: user.id, username: input.username, role: "NORMAL", permittedGroupIds: [1, 2], disabled: false, createTime: 1_000, updateTime: 1_000 });
      expect(user).not.toHaveProperty("passwordHash");
      expect(await getUser(getDb(), user.id)).toEqual(user);
    });

    it("throws UniqueViolationError for a username that is taken", async () => {
      const username = uniqueName("dup");
      await insertUser(getDb(), newUser({ username }), 1);
      await expect(insertUser(getDb(), newUser({ username }), 2)).rejects.toBeInstanceOf(UniqueViolationError);
    });

    it("lets exactly one of several admins creating the same user at once succeed", async () => {
      const username = uniqueName("race");
      const outcomes = await Promise.allSettled([1, 2, 3].map(() => insertUser(getDb(), newUser({ username }), 1)));
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(UniqueViolationError);
    });
  });

  describe("getUserByUsername()", () => {
    it("returns the user with the password hash, or undefined", async () => {
      const input = newUser({ role: "ADMIN" });
      const user = await insertUser(getDb(), input, 1);
      expect(await getUserByUsername(getDb(), input.username)).toEqual({ ...user, passwordHash: input.passwordHash });
      expect(await getUserByUsername(getDb(), "nobody-by-that-name")).toBeUndefined();
    });
  });

  describe("listUsers() / countUsers()", () => {
    it("returns every matching user exactly once across pages and counts all users", async () => {
      const marker = uniqueName("Pager");
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await insertUser(getDb(), newUser({ username: `${marker}-${i}` }), i)).id);
      expect(await collectIds((cursor) => listUsers(getDb(), { usernameContains: marker.toUpperCase() }, pageOf(2, cursor)))).toEqual(ids);
      const total = await countUsers(getDb());
      expect(typeof total).toBe("number");
      expect(total).toBeGreaterThanOrEqual(5);
    });

    it("filters by role", async () => {
      const admin = await insertUser(getDb(), newUser({ role: "ADMIN" }), 1);
      const ids = (await listUsers(getDb(), { role: "ADMIN" }, { limit: 1_000 })).items.map((u) => u.id);
      expect(ids).toContain(admin.id);
      expect((await listUsers(getDb(), { role: "NORMAL" }, { limit: 1_000 })).items.map((u) => u.id)).not.toContain(admin.id);
    });
  });

  describe("updateUser()", () => {
    it("changes role, permitted groups and password hash", async () => {
      const input = newUser();
      const user = await insertUser(getDb(), input, 1);
      const updated = await updateUser(getDb(), user.id, { role: "ADMIN", permittedGroupIds: [], passwordHash: "new-hash" }, 2);
      expect(updated).toEqual({ ...user, role: "ADMIN", permittedGroupIds: [], updateTime: 2 });
      expect((await getUserByUsername(getDb(), input.username))?.passwordHash).toBe("new-hash");
      expect(await updateUser(getDb(), 987_654, { role: "ADMIN" }, 3)).toBeUndefined();
    });
  });

  describe("deleteUser()", () => {
    it("deletes the user together with their credentials", async () => {
      const user = await insertUser(getDb(), newUser(), 1);
      await insertCredential(getDb(), { userId: user.id, kind: "SESSION", name: "", tokenHash: uniqueName("hash"), tokenPrefix: "jws_abc", expireTime: 10_000 }, 1);
      expect(await deleteUser(getDb(), user.id)).toBe(true);
      expect(await getUser(getDb(), user.id)).toBeUndefined();
      expect(await listCredentials(getDb(), { userId: user.id })).toEqual([]);
      expect(await deleteUser(getDb(), user.id)).toBe(false);
    });
  });
});
