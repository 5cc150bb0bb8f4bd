import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdmin, type Admin } from "../../src/admin/index.js";
import { createExecutor, type Executor } from "../../src/executor/index.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../src/shared/logger.js";
import { families, sample } from "../admin/metrics/scrape.js";
import { loginAs, type ConsoleClients } from "../helpers/console-client.js";
import { waitFor } from "../helpers/wait-for.js";

const PASSWORD = "executor-metrics-password";

describe("executor GET /metrics", () => {
  let dir: string;
  let admin: Admin;
  let clients: ConsoleClients;
  let executor: Executor;
  let plain: Executor;
  let groupName: string;
  let release: () => void = () => {};

  const scrape = async (headers: Record<string, string> = { authorization: "Bearer executor-scrape" }): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${executor.port}/metrics`, { headers });
    expect(response.status).toBe(200);
    return response.text();
  };
  const job = async (handler: string): Promise<string> => {
    const { job: created } = await clients.jobs.createJob({ job: { executorGroup: groupName, displayName: handler, author: "metrics", handler } });
    return created?.name ?? "";
  };
  const finished = (name: string): Promise<unknown> =>
    waitFor(`run ${name} to finish`, async () => {
      const { run } = await clients.runs.getRun({ name });
      return run !== undefined && run.state !== RunState.PENDING && run.state !== RunState.RUNNING ? run : undefined;
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "jobwire-executor-metrics-"));
    admin = await startAdmin({ databaseUrl: "sqlite::memory:", host: "127.0.0.1", port: 0, initialAdminPassword: PASSWORD, logger: silentLogger });
    clients = await loginAs(admin.url, "admin", PASSWORD);
    const created = await clients.groups.createExecutorGroup({ executorGroup: { appName: "metrics-exec", displayName: "Metrics executor" } });
    groupName = created.executorGroup?.name ?? "";
    const common = { adminAddresses: [admin.url], appName: "metrics-exec", accessToken: created.accessToken, host: "127.0.0.1", port: 0, logger: silentLogger };
    executor = createExecutor({ ...common, logDir: path.join(dir, "a"), metrics: { enabled: true, token: "executor-scrape" } });
    executor.register("succeeds", () => "fine");
    executor.register("fails", () => {
      throw new Error("broken on purpose");
    });
    executor.register("waits", () => new Promise<string>((resolve) => (release = () => resolve("released"))));
    await executor.start();
    // A second executor with the defaults: metrics off. Registered under another group so it never gets runs.
    const other = await clients.groups.createExecutorGroup({ executorGroup: { appName: "metrics-plain", displayName: "Plain" } });
    plain = createExecutor({ ...common, appName: "metrics-plain", accessToken: other.accessToken, logDir: path.join(dir, "b") });
    await plain.start();
  });

  afterAll(async () => {
    release();
    await executor?.stop();
    await plain?.stop();
    await admin?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("declares its families, labelled with the app name", async () => {
    const text = await scrape();
    const declared = families(text);
    expect(declared.get("jobwire_executor_runs_total")).toBe("counter");
    expect(declared.get("jobwire_executor_running_runs")).toBe("gauge");
    expect(declared.get("jobwire_executor_queue_depth")).toBe("gauge");
    expect(sample(text, "jobwire_executor_running_runs", { app_name: "metrics-exec" })).toBe(0);
  });

  it("counts runs by outcome after they end", async () => {
    const ok = await job("succeeds");
    const bad = await job("fails");
    const runs = [...(await clients.jobs.triggerJob({ name: ok })).runs, ...(await clients.jobs.triggerJob({ name: ok })).runs, ...(await clients.jobs.triggerJob({ name: bad })).runs];
    await Promise.all(runs.map(finished));
    const text = await scrape();
    expect(sample(text, "jobwire_executor_runs_total", { outcome: "succeeded" })).toBe(2);
    expect(sample(text, "jobwire_executor_runs_total", { outcome: "failed" })).toBe(1);
  });

  it("shows the running run and the queue behind it", async () => {
    const waiting = await job("waits");
    const jobId = waiting.split("/")[1] ?? "";
    const first = (await clients.jobs.triggerJob({ name: waiting })).runs;
    const second = (await clients.jobs.triggerJob({ name: waiting })).runs;
    const busy = await waitFor("one run running and one queued", async () => {
      const text = await scrape();
      return sample(text, "jobwire_executor_queue_depth", { job: jobId }) === 1 ? text : undefined;
    });
    expect(sample(busy, "jobwire_executor_running_runs")).toBe(1);
    expect(sample(busy, "jobwire_executor_job_running_runs", { job: jobId })).toBe(1);
    release();
    await finished(first[0] ?? "");
    // The second run replaces `release` when its handler starts; releasing until it succeeded covers both orders.
    await waitFor("the second run to be released", async () => {
      release();
      const { run } = await clients.runs.getRun({ name: second[0] ?? "" });
      return run?.state === RunState.SUCCEEDED ? run : undefined;
    });
    const idle = await scrape();
    expect(sample(idle, "jobwire_executor_running_runs")).toBe(0);
    expect(sample(idle, "jobwire_executor_queue_depth", { job: jobId })).toBeUndefined();
  });

  it("refuses scrapes without the token, and is off unless enabled", async () => {
    expect((await fetch(`http://127.0.0.1:${executor.port}/metrics`)).status).toBe(401);
    const off = await fetch(`http://127.0.0.1:${plain.port}/metrics`);
    expect(off.status).not.toBe(200);
    expect(await off.text()).not.toContain("# TYPE jobwire_");
  });
});
