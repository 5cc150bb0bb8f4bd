import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdmin, type Admin } from "../../../src/admin/index.js";
import { createExecutor, type Executor } from "../../../src/executor/index.js";
import { RunState } from "../../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { loginAs, type ConsoleClients } from "../../helpers/console-client.js";
import { waitFor } from "../../helpers/wait-for.js";
import { sample } from "./scrape.js";

const PASSWORD = "run-metrics-password";

/** Sum of every series of a metric (whatever its labels). */
function total(text: string, name: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

describe("admin metrics move after a run", () => {
  let dir: string;
  let admin: Admin;
  let executor: Executor;
  let clients: ConsoleClients;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "jobwire-run-metrics-"));
    admin = await startAdmin({ databaseUrl: "sqlite::memory:", host: "127.0.0.1", port: 0, initialAdminPassword: PASSWORD, logger: silentLogger });
    clients = await loginAs(admin.url, "admin", PASSWORD);
    const { accessToken } = await clients.groups.createExecutorGroup({ executorGroup: { appName: "run-metrics", displayName: "Run metrics" } });
    executor = createExecutor({ adminAddresses: [admin.url], appName: "run-metrics", accessToken, host: "127.0.0.1", port: 0, logDir: dir, logger: silentLogger });
    executor.register("succeeds", () => "fine");
    executor.register("fails", () => {
      throw new Error("broken on purpose");
    });
    await executor.start();
  });

  afterAll(async () => {
    await executor?.stop();
    await admin?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("counts the fire, its trigger RPC, the finished run, its start lateness and the callback lag", async () => {
    const scrape = async (): Promise<string> => (await fetch(`${admin.url}/metrics`)).text();
    const before = await scrape();
    expect(total(before, "jobwire_fires_dispatched_total")).toBe(0);
    const group = (await clients.groups.listExecutorGroups({})).executorGroups.find((g) => g.appName === "run-metrics")?.name ?? "";
    for (const handler of ["succeeds", "fails"]) {
      const { job } = await clients.jobs.createJob({ job: { executorGroup: group, displayName: handler, author: "metrics", handler } });
      const { runs } = await clients.jobs.triggerJob({ name: job?.name ?? "" });
      await waitFor(`the ${handler} run to finish`, async () => {
        const { run } = await clients.runs.getRun({ name: runs[0] ?? "" });
        return run?.state === RunState.SUCCEEDED || run?.state === RunState.FAILED ? run : undefined;
      });
    }
    const after = await waitFor("both results in the metrics", async () => {
      const text = await scrape();
      return total(text, "jobwire_runs_finished_total") === 2 ? text : undefined;
    });
    expect(total(after, "jobwire_fires_dispatched_total")).toBe(2);
    expect(sample(after, "jobwire_fire_lateness_milliseconds_count")).toBe(2);
    expect(sample(after, "jobwire_trigger_rpc_duration_milliseconds_count", { outcome: "ok" })).toBe(2);
    expect(sample(after, "jobwire_runs_finished_total", { state: "succeeded" })).toBe(1);
    expect(sample(after, "jobwire_runs_finished_total", { state: "failed" })).toBe(1);
    expect(sample(after, "jobwire_callback_lag_milliseconds_count")).toBe(2);
    expect(sample(after, "jobwire_run_start_lateness_milliseconds_count")).toBe(2);
  });
});
