import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { MetricsSource } from "../../shared/net/index.js";

/** What the executor's gauges read at each scrape. */
export interface ExecutorSnapshot {
  /** Runs whose handler is running now. */
  readonly running: number;
  /** Per busy job: runs queued behind the running ones, and running ones. */
  readonly queues: readonly { readonly jobId: number; readonly queued: number; readonly running: number }[];
}

/** The executor's Prometheus metrics, in a registry of their own (several executors may share a process). */
export interface ExecutorMetrics extends MetricsSource {
  /** A run ended here with this outcome (succeeded, failed, timed_out, killed). */
  runEnded(outcome: string): void;
}

/** Creates the metrics of one executor; `snapshot` is read at each scrape. */
export function createExecutorMetrics(appName: string, snapshot: () => ExecutorSnapshot): ExecutorMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ app_name: appName });
  collectDefaultMetrics({ register: registry, prefix: "jobwire_executor_" });
  const runs = new Counter({
    name: "jobwire_executor_runs_total",
    help: "Runs that ended on this executor, by outcome.",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const running = new Gauge({
    name: "jobwire_executor_running_runs",
    help: "Runs whose handler is running on this executor now.",
    registers: [registry],
  });
  const queued = new Gauge({
    name: "jobwire_executor_queue_depth",
    help: "Runs waiting in a job's queue on this executor (busy jobs only).",
    labelNames: ["job"] as const,
    registers: [registry],
  });
  const jobRunning = new Gauge({
    name: "jobwire_executor_job_running_runs",
    help: "Runs of a job running on this executor now (busy jobs only).",
    labelNames: ["job"] as const,
    registers: [registry],
  });
  return {
    runEnded: (outcome) => runs.inc({ outcome: outcome.toLowerCase() }),
    async render() {
      const now = snapshot();
      running.set(now.running);
      // Idle jobs drop out instead of reporting zeros forever: job ids are unbounded over an executor's life.
      queued.reset();
      jobRunning.reset();
      for (const queue of now.queues) {
        queued.set({ job: String(queue.jobId) }, queue.queued);
        jobRunning.set({ job: String(queue.jobId) }, queue.running);
      }
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
