import type { BenchSuite } from "./bench-suite.js";
import { formatTable } from "./bench-suite.js";

/**
 * `npm run bench [-- name…]`: runs every suite (or the named ones) and prints their tables. Each suite is
 * imported lazily so that one suite's dependencies do not slow the others down.
 */
const SUITES: Record<string, () => Promise<BenchSuite>> = {
  scheduler: () => import("./scheduler-bench.js").then((m) => m.schedulerSuite),
  executor: () => import("./executor-bench.js").then((m) => m.executorSuite),
};

async function main(names: readonly string[]): Promise<void> {
  const selected = names.length === 0 ? Object.keys(SUITES) : names;
  for (const name of selected) {
    const load = SUITES[name];
    if (load === undefined) throw new Error(`unknown suite "${name}"; known: ${Object.keys(SUITES).join(", ")}`);
    const suite = await load();
    process.stdout.write(`\n## ${suite.name}: ${suite.description}\n\n`);
    for (const table of await suite.run()) {
      process.stdout.write(`${formatTable(table)}\n\n`);
      for (const line of table.json ?? []) process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
