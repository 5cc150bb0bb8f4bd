import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogCursor } from "../../src/executor/log-reader.js";
import { deleteExpiredLogDays } from "../../src/executor/log-retention.js";
import { runLogPath } from "../../src/executor/run-log.js";
import { makeLogDir } from "./harness.js";

describe("run logs", () => {
  let logDir: string;

  beforeEach(async () => {
    logDir = await makeLogDir();
  });

  afterEach(async () => {
    await rm(logDir, { recursive: true, force: true });
  });

  describe("runLogPath()", () => {
    it("names the file after the run id under the UTC day of the trigger time", () => {
      expect(runLogPath("/logs", 42, Date.parse("2024-12-31T23:59:59.999Z"))).toBe(path.join("/logs", "2024-12-31", "42.log"));
      expect(runLogPath("/logs", 42, Date.parse("2025-01-01T00:00:00.000Z"))).toBe(path.join("/logs", "2025-01-01", "42.log"));
    });
  });

  describe("LogCursor.read()", () => {
    async function cursorOver(content: string, firstLine = 1): Promise<LogCursor> {
      const file = path.join(logDir, "run.log");
      await writeFile(file, content);
      const cursor = await LogCursor.open(file, firstLine);
      if (cursor === undefined) throw new Error("the file should exist");
      return cursor;
    }

    it("returns undefined from open() when the file does not exist", async () => {
      expect(await LogCursor.open(path.join(logDir, "missing.log"), 1)).toBeUndefined();
    });

    it("reads lines in chunks of at most maxLines and remembers where it stopped", async () => {
      const cursor = await cursorOver("a\nb\nc\nd\ne\n");
      expect(await cursor.read(2, 1024, true)).toEqual({ fromLine: 1, toLine: 2, lines: ["a", "b"], eof: false });
      expect(await cursor.read(2, 1024, true)).toEqual({ fromLine: 3, toLine: 4, lines: ["c", "d"], eof: false });
      expect(await cursor.read(2, 1024, true)).toEqual({ fromLine: 5, toLine: 5, lines: ["e"], eof: true });
      await cursor.close();
    });

    it("starts at the requested line, even one the file does not hold yet", async () => {
      const cursor = await cursorOver("1\n2\n3\n", 5);
      expect(await cursor.read(10, 1024, false)).toEqual({ fromLine: 5, toLine: 4, lines: [], eof: true });
      await writeFile(path.join(logDir, "run.log"), "1\n2\n3\n4\n5\n6\n");
      expect(await cursor.read(10, 1024, false)).toEqual({ fromLine: 5, toLine: 6, lines: ["5", "6"], eof: true });
      await cursor.close();
    });

    it("holds back a last line without newline until the writer is done", async () => {
      const cursor = await cursorOver("done\nhalf");
      expect(await cursor.read(10, 1024, false)).toMatchObject({ lines: ["done"], eof: true });
      expect(await cursor.read(10, 1024, true)).toMatchObject({ fromLine: 2, lines: ["half"], eof: true });
      await cursor.close();
    });

    it("bounds a message by bytes as well as by lines", async () => {
      const cursor = await cursorOver(`${"x".repeat(600)}\n${"y".repeat(600)}\n`);
      const first = await cursor.read(10, 1000, true);
      expect(first.lines).toHaveLength(1);
      expect((await cursor.read(10, 1000, true)).lines).toEqual(["y".repeat(600)]);
      await cursor.close();
    });
  });

  describe("deleteExpiredLogDays()", () => {
    it("deletes day folders older than the retention and nothing else", async () => {
      for (const name of ["2024-01-01", "2024-01-08", "2024-01-10", "gluesource", "callback-spool"]) await mkdir(path.join(logDir, name));
      const deleted = await deleteExpiredLogDays(logDir, 3, Date.parse("2024-01-10T12:00:00Z"));
      expect(deleted).toEqual(["2024-01-01"]);
      expect((await readdir(logDir)).sort()).toEqual(["2024-01-08", "2024-01-10", "callback-spool", "gluesource"]);
    });

    it("keeps everything when retention is 0", async () => {
      await mkdir(path.join(logDir, "2000-01-01"));
      expect(await deleteExpiredLogDays(logDir, 0, Date.now())).toEqual([]);
    });
  });
});
