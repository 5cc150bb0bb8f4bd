import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AdminConnections } from "../src/executor/admin-clients.js";
import { createExecutorWithInternals } from "../src/executor/executor.js";
import { ResultReporter } from "../src/executor/result-reporter.js";
import { AdminService, CallbackResponseSchema, RegistryRemoveResponseSchema, RegistryResponseSchema } from "../src/gen/jobwire/v1/admin_service_pb.js";
import { ExecutorService, RunRequestSchema } from "../src/gen/jobwire/v1/executor_service_pb.js";
import { APP_NAME_HEADER, AUTHORIZATION_HEADER, bearer } from "../src/shared/metadata.js";
import { silentLogger } from "../src/shared/logger.js";
import { startRpcServer, type RpcServer } from "../src/shared/net/index.js";
import type { BenchSuite, BenchTable } from "./bench-suite.js";

/*
 * Executor benchmarks: how fast results flow back to the admin over the one Callback stream, how fast no-op runs
 * go through a real executor, and what an idle executor costs in memory. The admin side is a minimal in-process
 * `AdminService` over real HTTP/2 that acks every batch at once, so the figures are the executor's (and the
 * transport's), not a database's.
 */

const APP = "bench-executor";
const TOKEN = "bench-token";
const THIS_FILE = fileURLToPath(import.meta.url);
const IDLE_CHILD_FLAG = "--idle-memory-child";

/** An admin that acks every result as soon as it arrives, and counts what it saw. */
interface AckingAdmin {
  readonly url: string;
  readonly stats: { results: number; messages: number };
  close(): Promise<void>;
}

async function startAckingAdmin(): Promise<AckingAdmin> {
  const stats = { results: 0, messages: 0 };
  const handler = connectNodeAdapter({
    routes: (router) =>
      router.service(AdminService, {
        registry: () => create(RegistryResponseSchema, { beatInterval: durationFromMs(30_000), deadTimeout: durationFromMs(90_000), serverTime: timestampFromMs(Date.now()) }),
        registryRemove: () => create(RegistryRemoveResponseSchema, { removed: true }),
        async *callback(requests) {
          for await (const batch of requests) {
            stats.messages += 1;
            stats.results += batch.results.length;
            yield create(CallbackResponseSchema, { ackedRunIds: batch.results.map((result) => result.runId) });
          }
        },
      }),
  });
  const server: RpcServer = await startRpcServer({ handler, host: "127.0.0.1", port: 0, pingIntervalMs: 10_000, pingTimeoutMs: 5_000 });
  return { url: server.url, stats, close: () => server.close(100) };
}

/** Results acked per second when `total` results are reported in ticks of `perTick`, batched up to `batchSize`. */
async function measureCallback(admin: AckingAdmin, total: number, perTick: number, batchSize: number): Promise<{ seconds: number; messages: number }> {
  const connections = new AdminConnections([admin.url], { appName: APP, accessToken: TOKEN });
  // No spool: this measures the stream. (With the executor's spool, results unacked for 1 s would also be written.)
  const reporter = new ResultReporter(connections.endpoints, { logger: silentLogger, batchSize });
  await reporter.start();
  try {
    // Warm the connection and the code paths before timing.
    for (let runId = 1; runId <= 2_000; runId += 1) reporter.report(result(runId));
    await reporter.flush(30_000);
    const messagesBefore = admin.stats.messages;
    const started = process.hrtime.bigint();
    for (let sent = 0; sent < total; sent += perTick) {
      for (let i = 0; i < perTick && sent + i < total; i += 1) reporter.report(result(10_000 + sent + i));
      // Yielding between ticks lets batches go out while results keep coming, as in a busy executor.
      if (perTick < total) await new Promise((resolve) => setImmediate(resolve));
    }
    if (!(await reporter.flush(120_000))) throw new Error("results were not acked within 120 s");
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { seconds, messages: admin.stats.messages - messagesBefore };
  } finally {
    await reporter.stop();
    connections.close();
  }
}

function result(runId: number): { runId: number; state: "SUCCEEDED"; message: string; nonRetryable: false; startTime: number; endTime: number } {
  return { runId, state: "SUCCEEDED", message: "ok", nonRetryable: false, startTime: Date.now() - 5, endTime: Date.now() };
}

async function callbackThroughput(): Promise<BenchTable> {
  const admin = await startAckingAdmin();
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  try {
    for (const [total, perTick, batchSize] of [
      [100_000, 100_000, 500],
      [100_000, 100, 500],
      [100_000, 100_000, 50],
    ] as const) {
      const { seconds, messages } = await measureCallback(admin, total, perTick, batchSize);
      const perSecond = Math.round(total / seconds);
      const arrival = perTick === total ? "all at once" : `${perTick} per event-loop turn`;
      rows.push([total, arrival, batchSize, messages, Number((total / messages).toFixed(1)), Number(seconds.toFixed(3)), perSecond]);
      json.push({ suite: "executor", metric: "callback_results_per_second", results: total, arrival, batch_size: batchSize, messages, seconds, value: perSecond });
    }
  } finally {
    await admin.close();
  }
  return {
    title: "Callback throughput: results acked per second over one HTTP/2 stream (in-process acking admin)",
    columns: ["results", "arrival", "max batch", "messages", "results/message", "seconds", "acked/s"],
    rows,
    json,
  };
}

/**
 * No-op BEAN runs through a real executor: Run RPC → handler → run log → result acked, with `inFlight` Run calls
 * at a time. Every run creates its own log file (`<logDir>/<day>/<runId>.log`), so the figure depends on the file
 * system; it is measured on the OS temp folder and, where it exists, on tmpfs (`/dev/shm`) to tell the two apart.
 */
async function runThroughput(): Promise<BenchTable> {
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  const places: [string, string][] = [["OS temp dir", tmpdir()]];
  if (existsSync("/dev/shm")) places.push(["tmpfs /dev/shm", "/dev/shm"]);
  for (const [label, base] of places) {
    for (const [total, inFlight] of [
      [2_000, 16],
      [5_000, 64],
    ] as const) {
      const seconds = await measureRuns(base, total, inFlight);
      const perSecond = Math.round(total / seconds);
      rows.push([label, total, inFlight, Number(seconds.toFixed(3)), perSecond]);
      json.push({ suite: "executor", metric: "noop_runs_per_second", log_dir: label, runs: total, in_flight: inFlight, seconds, value: perSecond });
    }
  }
  return {
    title: "No-op runs through a real executor: Run RPC → handler → run log file → result acked",
    columns: ["log dir", "runs", "Run calls in flight", "seconds", "runs/s"],
    rows,
    json,
  };
}

async function measureRuns(base: string, total: number, inFlight: number): Promise<number> {
  const admin = await startAckingAdmin();
  const logDir = await mkdtemp(path.join(base, "jobwire-bench-executor-"));
  const executor = createExecutorWithInternals({ adminAddresses: [admin.url], appName: APP, accessToken: TOKEN, host: "127.0.0.1", port: 0, logDir, logger: silentLogger }, {});
  executor.register("noop", () => undefined);
  await executor.start();
  const sessions = new Http2SessionManager(executor.address);
  const credentials: Interceptor = (next) => (req) => {
    req.header.set(AUTHORIZATION_HEADER, bearer(TOKEN));
    req.header.set(APP_NAME_HEADER, APP);
    return next(req);
  };
  const client = createClient(ExecutorService, createGrpcTransport({ baseUrl: executor.address, sessionManager: sessions, interceptors: [credentials] }));
  try {
    const started = process.hrtime.bigint();
    let issued = 0;
    const worker = async (): Promise<void> => {
      while (issued < total) {
        issued += 1;
        const runId = issued;
        // Runs of one job are serial, so run ids are spread over 256 jobs (queues).
        await client.run(create(RunRequestSchema, { jobId: BigInt(1 + (runId % 256)), runId: BigInt(runId), handler: "noop", shardTotal: 1, triggerTime: timestampFromMs(Date.now()) }));
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    while (admin.stats.results < total) await new Promise((resolve) => setTimeout(resolve, 2));
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    sessions.abort();
    await executor.stop();
    await admin.close();
    await rm(logDir, { recursive: true, force: true });
  }
}

/** What the idle-memory child prints: memory before and after creating and starting the executor. */
interface IdleMemoryReport {
  readonly gc: boolean;
  readonly before: NodeJS.MemoryUsage;
  readonly after: NodeJS.MemoryUsage;
}

/**
 * Idle memory is measured in a fresh child process (with `--expose-gc`), so that what this benchmark process
 * allocated before does not blur a figure of a few megabytes.
 */
async function idleMemory(): Promise<BenchTable> {
  const admin = await startAckingAdmin();
  try {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ["--expose-gc", "--import", "tsx", THIS_FILE, IDLE_CHILD_FLAG, admin.url], { cwd: path.resolve(path.dirname(THIS_FILE), "..") }, (error, stdout, stderr) =>
        error === null ? resolve(stdout) : reject(new Error(`idle-memory child failed: ${stderr || error.message}`)),
      );
    });
    const report = JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as IdleMemoryReport;
    const mib = (bytes: number): number => Number((bytes / 1024 / 1024).toFixed(1));
    const rows = (["rss", "heapUsed", "external"] as const).map((key) => [key, mib(report.before[key]), mib(report.after[key]), mib(report.after[key] - report.before[key])]);
    return {
      title: `Executor idle memory: 100 registered handlers, started and registered, after ${report.gc ? "a full GC" : "no GC (run with --expose-gc)"} (MiB)`,
      columns: ["measure", "process before", "with executor", "executor's share"],
      rows,
      json: [{ suite: "executor", metric: "idle_rss_bytes", handlers: 100, gc: report.gc, value: report.after.rss, delta: report.after.rss - report.before.rss }],
    };
  } finally {
    await admin.close();
  }
}

/** Runs in the child: everything is imported first, so the "before" figure holds the code but no executor. */
async function idleMemoryChild(adminUrl: string): Promise<void> {
  const settle = async (): Promise<NodeJS.MemoryUsage> => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    return process.memoryUsage();
  };
  const logDir = await mkdtemp(path.join(tmpdir(), "jobwire-bench-idle-"));
  const before = await settle();
  const executor = createExecutorWithInternals({ adminAddresses: [adminUrl], appName: APP, accessToken: TOKEN, host: "127.0.0.1", port: 0, logDir, logger: silentLogger }, {});
  for (let i = 0; i < 100; i += 1) executor.register(`handler${i}`, (ctx) => `handler ${i} ran with ${ctx.param}`);
  await executor.start();
  const after = await settle();
  await executor.stop();
  await rm(logDir, { recursive: true, force: true });
  const report: IdleMemoryReport = { gc: typeof (globalThis as { gc?: unknown }).gc === "function", before, after };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

export const executorSuite: BenchSuite = {
  name: "executor",
  description: "executor SDK: callback stream throughput, no-op run throughput, idle memory",
  async run() {
    return [await callbackThroughput(), await runThroughput(), await idleMemory()];
  },
};

if (process.argv[2] === IDLE_CHILD_FLAG && process.argv[1] !== undefined && path.resolve(process.argv[1]) === THIS_FILE) {
  idleMemoryChild(process.argv[3] ?? "").then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
