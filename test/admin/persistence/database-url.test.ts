import { describe, expect, it } from "vitest";
import { parseDatabaseUrl, redactDatabaseUrl } from "../../../src/admin/persistence/index.js";

describe("database URLs", () => {
  describe("parseDatabaseUrl()", () => {
    it("reads a relative SQLite path", () => {
      expect(parseDatabaseUrl("sqlite:./data/jobwire.db")).toEqual({ dialect: "sqlite", filename: "./data/jobwire.db" });
    });

    it("reads an absolute SQLite path in both spellings", () => {
      expect(parseDatabaseUrl("sqlite:/var/lib/jobwire.db")).toEqual({ dialect: "sqlite", filename: "/var/lib/jobwire.db" });
      expect(parseDatabaseUrl("sqlite:///var/lib/jobwire.db")).toEqual({ dialect: "sqlite", filename: "/var/lib/jobwire.db" });
    });

    it("reads an in-memory SQLite database", () => {
      expect(parseDatabaseUrl("sqlite::memory:")).toEqual({ dialect: "sqlite", filename: ":memory:" });
    });

    it("reads every part of a MySQL URL and decodes escaped credentials", () => {
      expect(parseDatabaseUrl("mysql://job%40user:p%2Fss@db.example.com:3307/jobwire")).toEqual({
        dialect: "mysql",
        host: "db.example.com",
        port: 3307,
        user: "job@user",
        password: "p/ss",
        database: "jobwire",
      });
    });

    it("defaults the MySQL port to 3306", () => {
      expect(parseDatabaseUrl("mysql://root@127.0.0.1/jobwire")).toMatchObject({ port: 3306, user: "root", password: "" });
    });

    it("keeps a PostgreSQL URL for pg and takes the schema out of it", () => {
      expect(parseDatabaseUrl("postgres://u:p@127.0.0.1:5432/app?schema=jobwire&sslmode=disable")).toEqual({
        dialect: "postgres",
        connectionString: "postgres://u:p@127.0.0.1:5432/app?sslmode=disable",
        schema: "jobwire",
      });
    });

    it("accepts postgresql:// and no schema", () => {
      expect(parseDatabaseUrl("postgresql://postgres@localhost/postgres")).toEqual({
        dialect: "postgres",
        connectionString: "postgres://postgres@localhost/postgres",
        schema: undefined,
      });
    });

    it.each([
      ["", /it is empty/],
      ["oracle://scott@db/orcl", /the scheme "oracle:" is not supported/],
      ["just some words", /it is not a URL/],
      ["sqlite:", /the sqlite file path is missing/],
      ["sqlite://host/file.db", /a sqlite URL has no host/],
      ["mysql://root@127.0.0.1:3306/", /must name exactly one database/],
      ["mysql://root@127.0.0.1:3306/db?ssl=true", /query parameters are not supported for mysql/],
      ["postgres://u@h/db?schema=Bad-Name", /the schema "Bad-Name" must be/],
      ["postgres://u@h/db?schema=a&schema=b", /more than once/],
    ])("refuses %j, saying what is wrong and which forms are accepted", (url, problem) => {
      expect(() => parseDatabaseUrl(url)).toThrow(problem);
      expect(() => parseDatabaseUrl(url)).toThrow(/accepted forms: sqlite:.*mysql:\/\/.*postgres:\/\//);
    });

    it("does not repeat the password of a refused URL", () => {
      expect(() => parseDatabaseUrl("mysql://root:hunter2@127.0.0.1:3306/")).toThrow(/mysql:\/\/root:\*\*\*@127\.0\.0\.1:3306\//);
      expect(() => parseDatabaseUrl("mysql://root:hunter2@127.0.0.1:3306/")).not.toThrow(/hunter2/);
    });
  });

  describe("redactDatabaseUrl()", () => {
    it("hides the password and keeps the rest", () => {
      expect(redactDatabaseUrl("postgres://app:s3cret@db:5432/jobwire")).toBe("postgres://app:***@db:5432/jobwire");
      expect(redactDatabaseUrl("postgres://app@db:5432/jobwire")).toBe("postgres://app@db:5432/jobwire");
      expect(redactDatabaseUrl("sqlite:./data/jobwire.db")).toBe("sqlite:./data/jobwire.db");
    });
  });
});
