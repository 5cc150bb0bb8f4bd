import { describe, expect, it } from "vitest";
import { ensureInitialAdmin } from "../../../src/admin/auth/bootstrap-admin.js";
import { verifyPassword } from "../../../src/admin/auth/password.js";
import { getUserByUsername } from "../../../src/admin/persistence/index.js";
import { createTestDatabase, testDialects } from "../../helpers/databases.js";

for (const dialect of testDialects()) {
  describe(`ensureInitialAdmin() (${dialect})`, () => {
    it("creates one admin with a random password reported exactly once, and nothing on later starts", async () => {
      const database = await createTestDatabase(dialect);
      try {
        const reported: [string, string][] = [];
        const onPassword = (username: string, password: string): void => void reported.push([username, password]);
        // Three admins starting at once on one database: one creates the user, the others see it.
        const created = await Promise.all([1, 2, 3].map(() => ensureInitialAdmin(database.database.db, undefined, onPassword, 1_000)));
        expect(created.filter(Boolean)).toHaveLength(1);
        expect(reported).toHaveLength(1);
        const [username, password] = reported[0] ?? ["", ""];
        expect(username).toBe("admin");
        expect(password).toMatch(/^[A-Za-z0-9_-]{18}$/);
        const user = await getUserByUsername(database.database.db, "admin");
        expect(user?.role).toBe("ADMIN");
        expect(await verifyPassword(password, user?.passwordHash ?? "")).toBe(true);
        expect(await ensureInitialAdmin(database.database.db, undefined, onPassword, 2_000)).toBe(false);
        expect(reported).toHaveLength(1);
      } finally {
        await database.drop();
      }
    });

    it("uses a configured password without printing it, and reports nothing for a database that already has users", async () => {
      const first = await createTestDatabase(dialect);
      const second = await createTestDatabase(dialect);
      try {
        const reported: string[] = [];
        expect(await ensureInitialAdmin(first.database.db, "Configured-pass-1", (_u, p) => reported.push(p), 1)).toBe(true);
        expect(reported).toEqual([]);
        expect(await verifyPassword("Configured-pass-1", (await getUserByUsername(first.database.db, "admin"))?.passwordHash ?? "")).toBe(true);
        expect(await ensureInitialAdmin(first.database.db, undefined, (_u, p) => reported.push(p), 1)).toBe(false);
        expect(reported).toEqual([]);
        // A fresh database gets its own random password, never a fixed one.
        await ensureInitialAdmin(second.database.db, undefined, (_u, p) => reported.push(p), 1);
        expect(reported).toHaveLength(1);
        expect(reported[0]).not.toBe("Configured-pass-1");
      } finally {
        await first.drop();
        await second.drop();
      }
    });
  });
}
