import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CronExpressionError, parseQuartzCron } from "../../../src/admin/schedule/quartz-cron.js";

/**
 * Every row of the golden file produced by real Quartz 2.3.2 (see ../shared/fixtures/README.md): the same five
 * next fire times for valid expressions, no fire time for NONE, and a refusal for INVALID. The repository is
 * cloned next to `shared`, locally and in CI, so the file is found relative to the repository root.
 */
const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
const FIXTURE = path.resolve(REPO_ROOT, "../shared/fixtures/quartz-cron.tsv");

interface Row {
  readonly zone: string;
  readonly from: string;
  readonly expression: string;
  readonly next: string;
}

function readRows(): Row[] {
  const [header, ...lines] = readFileSync(FIXTURE, "utf8").split("\n").filter((line) => line.trim() !== "");
  expect(header?.split("\t")).toEqual(["zone", "from", "expression", "next"]);
  return lines.map((line) => {
    const columns = line.split("\t");
    if (columns.length !== 4) throw new Error(`malformed fixture row: ${JSON.stringify(line)}`);
    const [zone = "", from = "", expression = "", next = ""] = columns;
    return { zone, from, expression, next };
  });
}

const rows = readRows();
const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");

describe("quartz-cron.tsv (golden Quartz 2.3.2 next fire times)", () => {
  it("has rows to check", () => {
    // 52 expressions x 2 zones x 3 start instants, per the fixture README.
    expect(rows.length).toBeGreaterThanOrEqual(312);
  });

  it.each(rows)("$expression in $zone after $from", ({ zone, from, expression, next }) => {
    if (next === "INVALID") {
      expect(() => parseQuartzCron(expression, zone)).toThrow(CronExpressionError);
      return;
    }
    const after = Date.parse(from);
    expect(Number.isNaN(after)).toBe(false);
    const cron = parseQuartzCron(expression, zone);
    if (next === "NONE") {
      expect(cron.next(after)).toBeUndefined();
      return;
    }
    const expected = next.split(",");
    // Asking for one more than the file lists proves that a shorter list really ends there.
    const count = expected.length < 5 ? expected.length + 1 : expected.length;
    expect(cron.nextTimes(after, count).map(iso)).toEqual(expected);
  });
});
