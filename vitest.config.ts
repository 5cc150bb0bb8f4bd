import { defineConfig } from "vitest/config";

/**
 * Two projects: everything else first, in parallel; then the cluster tests alone. The cluster tests run three
 * admin processes firing 200 jobs a second and measure that none is missed; sharing two cores with other test
 * files would measure the machine's contention rather than the scheduler.
 */
const CLUSTER_TESTS = ["test/e2e/cluster.test.ts"];

export default defineConfig({
  test: {
    // Database suites create their own database per file; running files in parallel keeps CI fast on 2 cores.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 10_000,
    projects: [
      { extends: true, test: { name: "main", include: ["test/**/*.test.ts"], exclude: CLUSTER_TESTS } },
      { extends: true, test: { name: "cluster", include: CLUSTER_TESTS, sequence: { groupOrder: 1 } } },
    ],
  },
});
