import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { loginAs, type ConsoleClients } from "../helpers/console-client.js";
import { waitFor } from "../helpers/wait-for.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const MAIN = path.join(ROOT, "src/cli/main.ts");

/** A running `jobwire` process with its collected stderr. */
interface Proc {
  readonly child: ChildProcess;
  output(): string;
}

function jobwire(args: string[], env: Record<string, string>, cwd: string): Proc {
  const child = spawn(TSX, [MAIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function stopProcess(proc: Proc | undefined): Promise<number | null> {
  if (proc === undefined || proc.child.exitCode !== null) return proc?.child.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => proc.child.once("exit", (code) => resolve(code)));
  proc.child.kill("SIGTERM");
  return exited;
}

describe("jobwire commands (the real binary)", () => {
  let dir: string;
  let admin: Proc;
  let executor: Proc | undefined;
  let url: string;
  let clients: ConsoleClients;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "jobwire-cli-"));
    admin = jobwire(["admin", "--host", "127.0.0.1", "--port", "0"], { JOBWIRE_ADMIN_PASSWORD: "cli-test-password", JOBWIRE_DATABASE_URL: "" }, dir);
    url = await waitFor("the admin to print its URL", () => /listening on (http:\/\/\S+)/.exec(admin.output())?.[1], 30_000);
    clients = await loginAs(url, "admin", "cli-test-password");
  });

  afterAll(async () => {
    await stopProcess(executor);
    await stopProcess(admin);
    await rm(dir, { recursive: true, force: true });
  });

  it("jobwire admin uses the embedded SQLite default under ./data", async () => {
    const { existsSync } = await import("node:fs");
    expect(existsSync(path.join(dir, "data/jobwire.db"))).toBe(true);
  });

  it("jobwire executor registers the demo handlers and runs demoJobHandler", async () => {
    const { executorGroup, accessToken } = await clients.groups.createExecutorGroup({ executorGroup: { appName: "cli-demo", displayName: "CLI demo" } });
    executor = jobwire(["executor", "--admin", url, "--app-name", "cli-demo", "--host", "127.0.0.1", "--port", "0"], { JOBWIRE_ACCESS_TOKEN: accessToken }, dir);
    const { executors } = await waitFor("the demo executor to register", async () => {
      const reply = await clients.groups.listExecutors({ parent: executorGroup?.name ?? "" });
      return reply.executors.length > 0 ? reply : undefined;
    }, 30_000);
    expect(executors[0]?.handlerNames).toEqual(expect.arrayContaining(["demoJobHandler", "shardingJobHandler"]));
    const { job } = await clients.jobs.createJob({ job: { executorGroup: executorGroup?.name ?? "", displayName: "demo", author: "cli", handler: "demoJobHandler", param: "from cli" } });
    const { runs } = await clients.jobs.triggerJob({ name: job?.name ?? "" });
    const run = await waitFor("the demo run to finish", async () => {
      const reply = await clients.runs.getRun({ name: runs[0] ?? "" });
      return reply.run?.state === RunState.SUCCEEDED || reply.run?.state === RunState.FAILED ? reply.run : undefined;
    });
    expect(run.state).toBe(RunState.SUCCEEDED);
    expect(run.handleMessage).toContain("from cli");
  });

  it("stops both processes gracefully on SIGTERM", async () => {
    expect(await stopProcess(executor)).toBe(0);
    expect(await stopProcess(admin)).toBe(0);
  });

  it("exits 2 with a message for a bad flag and 2 for a missing token", async () => {
    const bad = jobwire(["admin", "--port", "http"], {}, dir);
    expect(await new Promise((resolve) => bad.child.once("exit", resolve))).toBe(2);
    expect(bad.output()).toContain("--port must be a whole number");
    const noToken = jobwire(["executor"], { JOBWIRE_ACCESS_TOKEN: "" }, dir);
    expect(await new Promise((resolve) => noToken.child.once("exit", resolve))).toBe(2);
    expect(noToken.output()).toContain("--access-token (or JOBWIRE_ACCESS_TOKEN) is required");
  });
});
