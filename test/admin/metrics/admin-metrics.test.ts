import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdmin, type Admin } from "../../../src/admin/index.js";
import { createAdminMetrics } from "../../../src/admin/metrics/index.js";
import { createExecutor, type Executor } from "../../../src/executor/index.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { loginAs } from "../../helpers/console-client.js";
import { waitFor } from "../../helpers/wait-for.js";
import { families, getOverH2c, sample } from "./scrape.js";

const PASSWORD = "metrics-password";

const FAMILIES = {
  jobwire_fires_dispatched_total: "counter",
  jobwire_fire_lateness_milliseconds: "histogram",
  jobwire_runs_finished_total: "counter",
  jobwire_trigger_rpc_duration_milliseconds: "histogram",
  jobwire_callback_lag_milliseconds: "histogram",
  jobwire_run_start_lateness_milliseconds: "histogram",
  jobwire_executors_registered: "gauge",
  jobwire_executors_live: "gauge",
};

describe("admin metrics (recording)", () => {
  it("counts fires by kind, runs by state, and observes lateness, RPC time, callback lag and start lateness", async () => {
    const metrics = createAdminMetrics(() => Promise.resolve([{ appName: "orders", registered: 3, live: 2 }]));
    metrics.fireDispatched("SCHEDULE", 7);
    metrics.fireDispatched("SCHEDULE", 180);
    metrics.fireDispatched("MANUAL", 0);
    metrics.runFinished("SUCCEEDED");
    metrics.runFinished("TIMED_OUT");
    metrics.runFinished("SUCCEEDED");
    metrics.triggerRpc(12, true);
    metrics.triggerRpc(3_000, false);
    metrics.callbackReceived(40);
    metrics.runStarted(3);
    metrics.runStarted(-2);
    const { contentType, body } = await metrics.render();
    expect(contentType).toContain("text/plain");
    expect(sample(body, "jobwire_fires_dispatched_total", { kind: "schedule" })).toBe(2);
    expect(sample(body, "jobwire_fires_dispatched_total", { kind: "manual" })).toBe(1);
    expect(sample(body, "jobwire_fire_lateness_milliseconds_bucket", { le: "10" })).toBe(2);
    expect(sample(body, "jobwire_fire_lateness_milliseconds_bucket", { le: "100" })).toBe(2);
    expect(sample(body, "jobwire_fire_lateness_milliseconds_bucket", { le: "250" })).toBe(3);
    expect(sample(body, "jobwire_fire_lateness_milliseconds_sum")).toBe(187);
    expect(sample(body, "jobwire_runs_finished_total", { state: "succeeded" })).toBe(2);
    expect(sample(body, "jobwire_runs_finished_total", { state: "timed_out" })).toBe(1);
    expect(sample(body, "jobwire_trigger_rpc_duration_milliseconds_count", { outcome: "ok" })).toBe(1);
    expect(sample(body, "jobwire_trigger_rpc_duration_milliseconds_count", { outcome: "error" })).toBe(1);
    expect(sample(body, "jobwire_callback_lag_milliseconds_sum")).toBe(40);
    // A start a little before the instant (clock skew between the machines) counts as on time.
    expect(sample(body, "jobwire_run_start_lateness_milliseconds_count")).toBe(2);
    expect(sample(body, "jobwire_run_start_lateness_milliseconds_sum")).toBe(3);
    expect(sample(body, "jobwire_executors_registered", { app_name: "orders" })).toBe(3);
    expect(sample(body, "jobwire_executors_live", { app_name: "orders" })).toBe(2);
  });

  it("keeps each admin's series apart (no shared default registry)", async () => {
    const first = createAdminMetrics(() => Promise.resolve([]));
    const second = createAdminMetrics(() => Promise.resolve([]));
    first.runFinished("FAILED");
    expect(sample((await first.render()).body, "jobwire_runs_finished_total", { state: "failed" })).toBe(1);
    expect(sample((await second.render()).body, "jobwire_runs_finished_total", { state: "failed" })).toBeUndefined();
  });
});

describe("admin GET /metrics over real HTTP", () => {
  let dir: string;
  let admin: Admin;
  let executor: Executor | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "jobwire-metrics-"));
    admin = await startAdmin({ databaseUrl: "sqlite::memory:", host: "127.0.0.1", port: 0, initialAdminPassword: PASSWORD, logger: silentLogger });
  });

  afterAll(async () => {
    await executor?.stop();
    await admin?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves every family, without credentials, over HTTP/1.1 and h2c on the API port", async () => {
    const response = await fetch(`${admin.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const declared = families(await response.text());
    for (const [name, kind] of Object.entries(FAMILIES)) expect(declared.get(name), name).toBe(kind);
    expect(declared.get("jobwire_admin_process_cpu_seconds_total")).toBe("counter");
    const h2 = await getOverH2c(admin.url, "/metrics");
    expect(h2.status).toBe(200);
    expect(families(h2.body).get("jobwire_fires_dispatched_total")).toBe("counter");
  });

  it("reports registered and live executors from the registry at each scrape", async () => {
    const clients = await loginAs(admin.url, "admin", PASSWORD);
    const { accessToken } = await clients.groups.createExecutorGroup({ executorGroup: { appName: "metrics-orders", displayName: "Metrics orders" } });
    const before = await (await fetch(`${admin.url}/metrics`)).text();
    expect(sample(before, "jobwire_executors_live", { app_name: "metrics-orders" })).toBeUndefined();
    executor = createExecutor({ adminAddresses: [admin.url], appName: "metrics-orders", accessToken, host: "127.0.0.1", port: 0, logDir: dir, logger: silentLogger });
    executor.register("noop", () => "ok");
    await executor.start();
    const after = await waitFor("the executor to show in the metrics", async () => {
      const text = await (await fetch(`${admin.url}/metrics`)).text();
      return sample(text, "jobwire_executors_live", { app_name: "metrics-orders" }) === 1 ? text : undefined;
    });
    expect(sample(after, "jobwire_executors_registered", { app_name: "metrics-orders" })).toBe(1);
  });

  it("matches /metrics exactly, leaving other paths to the console", async () => {
    const other = await fetch(`${admin.url}/metrics/extra`);
    expect(other.headers.get("content-type")).not.toContain("version=0.0.4");
    expect(await other.text()).not.toContain("# TYPE jobwire_");
  });
});

describe("admin metrics options", () => {
  it("asks for the bearer token when one is configured", async () => {
    const admin = await startAdmin({ databaseUrl: "sqlite::memory:", host: "127.0.0.1", port: 0, initialAdminPassword: PASSWORD, logger: silentLogger, metrics: { token: "scrape-secret" } });
    try {
      const anonymous = await fetch(`${admin.url}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
      expect((await fetch(`${admin.url}/metrics`, { headers: { authorization: "Bearer wrong-secret" } })).status).toBe(401);
      const allowed = await fetch(`${admin.url}/metrics`, { headers: { authorization: "Bearer scrape-secret" } });
      expect(allowed.status).toBe(200);
      expect(families(await allowed.text()).get("jobwire_runs_finished_total")).toBe("counter");
    } finally {
      await admin.stop();
    }
  });

  it("serves no metrics when disabled (the path falls through to the console)", async () => {
    const admin = await startAdmin({ databaseUrl: "sqlite::memory:", host: "127.0.0.1", port: 0, initialAdminPassword: PASSWORD, logger: silentLogger, metrics: { enabled: false } });
    try {
      const response = await fetch(`${admin.url}/metrics`);
      expect(response.headers.get("content-type")).not.toContain("version=0.0.4");
      expect(await response.text()).not.toContain("# TYPE jobwire_");
    } finally {
      await admin.stop();
    }
  });
});
