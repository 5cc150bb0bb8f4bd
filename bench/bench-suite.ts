/**
 * A benchmark suite: one named measurement printed as a table. Suites live in `bench/suites/*.ts` and are listed
 * in `bench/main.ts`. Figures go here, never in timed tests (see the README's benchmark section).
 */
export interface BenchTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  /** One JSON object per run, printed after the table (the peer-benchmark method asks for JSON lines). */
  readonly json?: readonly Record<string, unknown>[];
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  run(): Promise<BenchTable[]>;
}

/** Renders a table with aligned columns. */
export function formatTable(table: BenchTable): string {
  const cells = [table.columns.map(String), ...table.rows.map((row) => row.map((cell) => (typeof cell === "number" ? formatNumber(cell) : cell)))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]): string => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const separator = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [`### ${table.title}`, "", line(cells[0] ?? []), separator, ...cells.slice(1).map(line)].join("\n");
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}
