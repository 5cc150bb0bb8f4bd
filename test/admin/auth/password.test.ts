import { describe, expect, it } from "vitest";
import { generatePassword, hashPassword, verifyPassword } from "../../../src/admin/auth/password.js";
import { hashSecret, newSecret } from "../../../src/admin/auth/secrets.js";

describe("password hashing", () => {
  describe("hashPassword()", () => {
    it("produces salted scrypt hashes that verify only the right password", async () => {
      const a = await hashPassword("correct horse");
      const b = await hashPassword("correct horse");
      expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
      expect(a).not.toBe(b);
      expect(await verifyPassword("correct horse", a)).toBe(true);
      expect(await verifyPassword("correct horsf", a)).toBe(false);
    });

    it("never matches a malformed stored hash", async () => {
      expect(await verifyPassword("x", "")).toBe(false);
      expect(await verifyPassword("x", "sha256$abc")).toBe(false);
    });
  });

  describe("generatePassword()", () => {
    it("returns a different 18-character password each time", () => {
      const passwords = new Set(Array.from({ length: 50 }, generatePassword));
      expect(passwords.size).toBe(50);
      for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9_-]{18}$/);
    });
  });
});

describe("secrets", () => {
  describe("newSecret()", () => {
    it("stores only a hash and a short prefix of the secret", () => {
      const session = newSecret("session");
      expect(session.secret).toMatch(/^jws_/);
      expect(session.hash).toBe(hashSecret(session.secret));
      expect(session.hash).not.toContain(session.secret.slice(4));
      expect(session.secret.startsWith(session.prefix)).toBe(true);
      expect(newSecret("apikey").secret).toMatch(/^jwk_/);
    });
  });
});
