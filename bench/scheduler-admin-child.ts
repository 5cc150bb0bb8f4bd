/**
 * An admin process for the scheduler benchmarks: `startAdmin()` with the options in the JSON environment
 * variable `JOBWIRE_BENCH_ADMIN` (plus a silent logger), printing one JSON line `{"url": …}` on stdout once it
 * listens. SIGTERM stops it gracefully (so `--cpu-prof` profiles are written); the takeover benchmark SIGKILLs it.
 *
 * Run as `node --import tsx bench/scheduler-admin-child.ts` (see `spawnAdmin` in scheduler-processes.ts).
 */
import { startAdmin, type AdminOptions } from "../src/admin/index.js";
import { createConsoleLogger, silentLogger } from "../src/shared/logger.js";

async function main(): Promise<void> {
  const raw = process.env["JOBWIRE_BENCH_ADMIN"];
  if (raw === undefined) throw new Error("JOBWIRE_BENCH_ADMIN is not set");
  // JOBWIRE_BENCH_ADMIN_OPTIONS (JSON) overrides admin options for experiments, e.g. {"dispatchLeadMs": 500}.
  const options = { ...(JSON.parse(raw) as AdminOptions), ...(JSON.parse(process.env["JOBWIRE_BENCH_ADMIN_OPTIONS"] ?? "{}") as AdminOptions) };
  const logger = process.env["JOBWIRE_BENCH_ADMIN_LOG"] === "1" ? createConsoleLogger(`admin ${options.nodeId ?? ""}`, "info") : silentLogger;
  const queryStats = process.env["JOBWIRE_BENCH_QUERY_STATS"] === "1" ? await import("./scheduler-query-stats.js") : undefined;
  queryStats?.installQueryStats();
  const admin = await startAdmin({ ...options, logger, onInitialAdminPassword: () => undefined });
  let stopping = false;
  process.on("SIGTERM", () => {
    if (stopping) return;
    stopping = true;
    if (queryStats !== undefined) process.stderr.write(`[admin ${options.nodeId ?? ""}] ${queryStats.formatQueryStats()}\n`);
    admin.stop(1_000).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.stdout.write(`${JSON.stringify({ url: admin.url })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
