/**
 * An admin process for the scheduler benchmarks: `startAdmin()` with the options in the JSON environment
 * variable `JOBWIRE_BENCH_ADMIN` (plus a silent logger), printing one JSON line `{"url": …}` on stdout once it
 * listens. SIGTERM stops it gracefully (so `--cpu-prof` profiles are written); the takeover benchmark SIGKILLs it.
 *
 * Run as `node --import tsx bench/scheduler-admin-child.ts` (see `spawnAdmin` in scheduler-processes.ts).
 */
import { startAdmin, type AdminOptions } from "../src/admin/index.js";
import { createConsoleLogger, silentLogger } from "../src/shared/logger.js";
import { watchStalls } from "./stall-watch.js";

async function main(): Promise<void> {
  const raw = process.env["JOBWIRE_BENCH_ADMIN"];
  if (raw === undefined) throw new Error("JOBWIRE_BENCH_ADMIN is not set");
  // JOBWIRE_BENCH_ADMIN_OPTIONS (JSON) overrides admin options for experiments, e.g. {"dispatchLeadMs": 500}.
  const options = { ...(JSON.parse(raw) as AdminOptions), ...(JSON.parse(process.env["JOBWIRE_BENCH_ADMIN_OPTIONS"] ?? "{}") as AdminOptions) };
  const logger = process.env["JOBWIRE_BENCH_ADMIN_LOG"] === "1" ? createConsoleLogger(`admin ${options.nodeId ?? ""}`, "info") : silentLogger;
  const queryStats = process.env["JOBWIRE_BENCH_QUERY_STATS"] === "1" ? await import("./scheduler-query-stats.js") : undefined;
  queryStats?.installQueryStats();
  const heapProfile = process.env["JOBWIRE_BENCH_HEAP_PROF"];
  const heapSampler = heapProfile === undefined ? undefined : await startHeapSampling();
  const stalls = process.env["JOBWIRE_BENCH_DEBUG"] === "1" ? watchStalls() : undefined;
  const admin = await startAdmin({ ...options, logger, onInitialAdminPassword: () => undefined });
  let stopping = false;
  process.on("SIGTERM", () => {
    if (stopping) return;
    stopping = true;
    if (queryStats !== undefined) process.stderr.write(`[admin ${options.nodeId ?? ""}] ${queryStats.formatQueryStats()}\n`);
    if (stalls !== undefined) process.stderr.write(`[admin ${options.nodeId ?? ""}] ${stalls()}\n`);
    const written = heapSampler === undefined || heapProfile === undefined ? Promise.resolve() : heapSampler.writeTo(`${heapProfile}.${options.nodeId ?? "admin"}.heapprofile`);
    written.then(() => admin.stop(1_000)).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.stdout.write(`${JSON.stringify({ url: admin.url })}\n`);
}

/**
 * `JOBWIRE_BENCH_HEAP_PROF=<path prefix>`: samples where the admin allocates, counting objects the garbage collector
 * has already freed (which `--heap-prof` leaves out), and writes a `.heapprofile` (Chrome DevTools) at SIGTERM.
 */
async function startHeapSampling(): Promise<{ writeTo(file: string): Promise<void> }> {
  const { Session } = await import("node:inspector/promises");
  const { writeFile } = await import("node:fs/promises");
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", { samplingInterval: 32_768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return {
    async writeTo(file) {
      const { profile } = await session.post("HeapProfiler.stopSampling");
      await writeFile(file, JSON.stringify(profile));
    },
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
