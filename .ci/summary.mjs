// Summarise vitest's JSON report and decide whether the test step passed.
//
// Usage: node .ci/summary.mjs <report.json> <vitest exit code>
//
// Prints `N passed, N failed` (plus `, N skipped` only when something was
// skipped) as the very last line of output, and exits non-zero when:
//   - vitest itself exited non-zero (e.g. a test file failed to import),
//   - any test failed,
//   - no test ran at all (a broken include glob must not pass as green),
//   - any test was skipped or todo: here a skipped test almost always means
//     a database suite quietly did not run, so it is named and fails CI.
// Everything is written to stdout so the summary line really comes last.
import { existsSync, readFileSync } from "node:fs";

const [reportPath, vitestExitArg = "0"] = process.argv.slice(2);
const vitestExit = Number(vitestExitArg);

if (!reportPath || !existsSync(reportPath)) {
  console.log(`ERROR: vitest JSON report not found at ${reportPath ?? "(no path given)"} (vitest exit code ${vitestExitArg}).`);
  process.exit(1);
}

let report;
try {
  report = JSON.parse(readFileSync(reportPath, "utf8"));
} catch (err) {
  console.log(`ERROR: cannot parse vitest JSON report ${reportPath}: ${err.message}`);
  process.exit(1);
}

const files = Array.isArray(report.testResults) ? report.testResults : [];
const tests = files.flatMap((file) =>
  (file.assertionResults ?? []).map((t) => ({ ...t, file: file.name })),
);
const nameOf = (t) =>
  t.fullName || [...(t.ancestorTitles ?? []), t.title].filter(Boolean).join(" > ");

const passed = report.numPassedTests ?? tests.filter((t) => t.status === "passed").length;
const failed = report.numFailedTests ?? tests.filter((t) => t.status === "failed").length;
// vitest reports skip/todo as "skipped"/"pending"/"todo" per test and counts
// them in numPendingTests/numTodoTests; take whichever view finds more.
const skippedTests = tests.filter((t) => ["skipped", "pending", "todo", "disabled"].includes(t.status));
const skipped = Math.max(
  (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  skippedTests.length,
);
// Files that errored outside any test (import/syntax error, failing beforeAll).
const brokenFiles = files.filter((f) => f.status === "failed" && f.message);

const problems = [];
if (vitestExit !== 0) problems.push(`vitest exited with code ${vitestExitArg}`);
if (failed > 0) problems.push(`${failed} test(s) failed`);
if (passed + failed === 0) problems.push("no tests ran");
if (skipped > 0) problems.push(`${skipped} test(s) skipped (a database suite probably did not run)`);

if (failed > 0) {
  console.log("\nFailed tests:");
  for (const t of tests.filter((t) => t.status === "failed")) console.log(`  - ${nameOf(t)}  (${t.file})`);
}
if (brokenFiles.length > 0) {
  console.log("\nTest files with errors:");
  for (const f of brokenFiles) console.log(`  - ${f.name}: ${f.message.split("\n")[0]}`);
}
if (skipped > 0) {
  console.log("\nSkipped tests:");
  for (const t of skippedTests) console.log(`  - ${nameOf(t)}  (${t.file}) [${t.status}]`);
}
if (problems.length > 0) console.log(`\nTEST STEP FAILED: ${problems.join("; ")}.`);

// The summary line: always last, alone on its line.
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(problems.length > 0 ? 1 : 0);
