import { spawn } from "node:child_process";
import path from "node:path";
import { describe, it } from "vitest";
import { nextFireTime } from "../../src/admin/schedule/next-fire-time.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const MAIN = path.join(ROOT, "src/cli/main.ts");

interface Result {
  readonly code: number | null;
  readonly lines: string[];
  readonly stderr: string;
}

/** Runs the real `jobwire` binary to completion. */
function jobwire(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, TZ: "UTC", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, lines: stdout.split("\n").filter((line) => line !== ""), stderr }));
  });
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");

// Every case starts the whole CLI through tsx, which takes seconds on a busy machine, so they run concurrently
// (and use the test context's expect, as concurrent tests must).
describe.concurrent("jobwire cron next (the real binary)", { timeout: 180_000 }, () => {
  it("prints the next N fire times as ISO-8601 UTC instants, one per line", async ({ expect }) => {
    const result = await jobwire(["cron", "next", "0 15 10 ? * 6L", "--from", "2026-01-01T00:00:00Z", "--tz", "Asia/Shanghai", "--count", "3"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.lines).toEqual(["2026-01-30T02:15:00Z", "2026-02-27T02:15:00Z", "2026-03-27T02:15:00Z"]);
  });

  it("agrees with the admin's next-fire-time preview", async ({ expect }) => {
    const expression = "0 0/30 8-10 ? * MON-FRI";
    const result = await jobwire(["cron", "next", expression, "--from", "2026-03-06T09:40:00+08:00", "--tz", "Asia/Shanghai", "--count", "8"]);
    const preview: string[] = [];
    let after = Date.parse("2026-03-06T01:40:00Z");
    for (let i = 0; i < 8; i++) {
      const next = nextFireTime({ scheduleType: "CRON", scheduleConf: expression, timeZone: "Asia/Shanghai" }, after, "UTC");
      if (next === undefined) break;
      preview.push(iso(next));
      after = next;
    }
    expect(result.code).toBe(0);
    expect(preview).toHaveLength(8);
    expect(result.lines).toEqual(preview);
  });

  it("defaults to 5 fire times in the TZ zone, as the admin does", async ({ expect }) => {
    const [shanghai, newYork] = await Promise.all([
      jobwire(["cron", "next", "0 0 12 * * ?", "--from", "2026-01-01T00:00:00Z"], { TZ: "Asia/Shanghai" }),
      jobwire(["cron", "next", "0 0 12 * * ?", "--from", "2026-07-01T00:00:00Z", "--count", "1"], { TZ: "America/New_York" }),
    ]);
    expect(shanghai.code).toBe(0);
    expect(shanghai.lines).toEqual(["01", "02", "03", "04", "05"].map((d) => `2026-01-${d}T04:00:00Z`));
    expect(newYork.lines).toEqual(["2026-07-01T16:00:00Z"]);
  });

  it("starts from now without --from", async ({ expect }) => {
    const before = Date.now();
    const result = await jobwire(["cron", "next", "*/10 * * * * ?"]);
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(5);
    const times = result.lines.map((line) => Date.parse(line));
    expect(times[0]).toBeGreaterThan(before - 1000);
    expect(times[0]).toBeLessThanOrEqual(Date.now() + 10_000);
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBe(10_000);
  });

  it("prints what is left when the schedule ends, with a note on stderr", async ({ expect }) => {
    const result = await jobwire(["cron", "next", "0 0 0 1 1 ? 2027,2029", "--from", "2026-01-01T00:00:00Z"]);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual(["2027-01-01T00:00:00Z", "2029-01-01T00:00:00Z"]);
    expect(result.stderr).toMatch(/fires only 2 more times after 2026-01-01T00:00:00Z/);
  });

  it("exits 1 on an invalid expression, naming the field", async ({ expect }) => {
    const result = await jobwire(["cron", "next", "0 0 12 ? * 8", "--from", "2026-01-01T00:00:00Z"]);
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([]);
    expect(result.stderr).toMatch(/"0 0 12 \? \* 8" has an invalid day-of-week field "8": 8 is out of range/);
  });

  it.for<[string[], RegExp]>([
    [["--tz", "Mars/Olympus"], /--tz "Mars\/Olympus" is not an IANA time zone/],
    [["--count", "0"], /--count must be from 1 to 1000/],
    [["--count", "five"], /--count must be a whole number/],
    [["--from", "2026-01-01T00:00:00"], /--from "2026-01-01T00:00:00" is not an ISO-8601 instant with a zone/],
    [["--from", "2026-02-30T00:00:00Z"], /is not an ISO-8601 instant/],
    [["--every", "1"], /Unknown option '--every'/],
  ])("exits 2 on a bad option: %j", async ([options, message], { expect }) => {
    const result = await jobwire(["cron", "next", "0 0 12 * * ?", ...options]);
    expect(result.code).toBe(2);
    expect(result.lines).toEqual([]);
    expect(result.stderr).toMatch(message);
  });

  it("exits 2 without an expression, and explains how to quote one split by the shell", async ({ expect }) => {
    const [missing, split, unknown] = await Promise.all([jobwire(["cron", "next"]), jobwire(["cron", "next", "0", "0", "12"]), jobwire(["cron", "list"])]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing the cron expression/);
    expect(split.code).toBe(2);
    expect(split.stderr).toMatch(/quote it: jobwire cron next '0 0 12'/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown subcommand "list"/);
  });

  it("documents the options and exit codes in its help", async ({ expect }) => {
    const result = await jobwire(["cron", "--help"]);
    expect(result.code).toBe(0);
    const help = result.lines.join("\n");
    for (const text of ["--from", "--tz", "--count", "Exit codes: 0 listed; 1 the expression is not valid Quartz; 2 usage error"]) expect(help).toContain(text);
  });
});
