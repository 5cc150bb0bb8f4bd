import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdmin, type Admin } from "../../src/admin/index.js";
import { createExecutor, type Executor } from "../../src/executor/index.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../src/shared/logger.js";
import { loginAs, type ConsoleClients } from "../helpers/console-client.js";
import { waitFor } from "../helpers/wait-for.js";
import { json, runCli } from "./run-cli.js";

const PASSWORD = "cli-admin-password";
const ROOT = path.resolve(import.meta.dirname, "../..");

// Every command is a fresh Node process; on a loaded machine a handful of them take well over the default timeout.
describe("jobwire groups, users and run control (the real binary against a real admin on SQLite)", { timeout: 120_000 }, () => {
  let dir: string;
  let admin: Admin;
  let clients: ConsoleClients & { token: string };
  let env: Record<string, string>;
  let executor: Executor | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "jobwire-cli-admin-"));
    admin = await startAdmin({ databaseUrl: `sqlite:${path.join(dir, "a.db")}`, host: "127.0.0.1", port: 0, initialAdminPassword: PASSWORD, logger: silentLogger });
    clients = await loginAs(admin.url, "admin", PASSWORD);
    env = { JOBWIRE_ADMIN_URL: admin.url, JOBWIRE_SESSION: clients.token, JOBWIRE_API_KEY: "", JOBWIRE_CONFIG_DIR: path.join(dir, "config") };
  });

  afterAll(async () => {
    await executor?.stop();
    await admin?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates, updates, lists and deletes an executor group, and rotates its token", async () => {
    const created = json(await runCli(["groups", "create", "--app-name", "cli-billing", "--display-name", "Billing", "--address-type", "manual", "--addresses", "http://10.1.0.1:9999,http://10.1.0.2:9999", "--json"], env));
    const group = created["executorGroup"] as { name: string; manualAddresses: string[] };
    expect(group.manualAddresses).toEqual(["http://10.1.0.1:9999", "http://10.1.0.2:9999"]);
    expect(String(created["accessToken"])).not.toBe("");
    const file = path.join(dir, "group.json");
    await writeFile(file, JSON.stringify({ displayName: "Billing (EU)" }));
    const updated = json(await runCli(["groups", "update", group.name, "--file", file, "--json"], env))["executorGroup"];
    expect(updated).toMatchObject({ appName: "cli-billing", displayName: "Billing (EU)", addressType: "ADDRESS_TYPE_MANUAL" });
    const rotated = await runCli(["groups", "rotate-token", group.name], env);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout.trim()).toMatch(/^\S{16,}$/);
    expect(rotated.stdout.trim()).not.toBe(String(created["accessToken"]));
    const list = await runCli(["groups", "list"], env);
    expect(list.stdout).toMatch(/cli-billing\s+Billing \(EU\)\s+manual\s+http:\/\/10\.1\.0\.1:9999,http:\/\/10\.1\.0\.2:9999/);
    const badName = await runCli(["groups", "create", "--app-name", "No Spaces Allowed", "--display-name", "Bad"], env);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/^jobwire: invalid_argument: executor_group\.app_name: /);
    expect((await runCli(["groups", "delete", group.name], env)).stdout).toBe(`deleted ${group.name}\n`);
  });

  it("manages users and API keys; an API key from the CLI works as JOBWIRE_API_KEY", async () => {
    const user = json(await runCli(["users", "create", "--username", "carol", "--role", "normal", "--password-stdin", "--json"], env, { stdin: "a-long-secret-phrase\n" }))["user"] as { name: string };
    expect(user).toMatchObject({ username: "carol", role: "USER_ROLE_NORMAL" });
    expect(json(await runCli(["users", "update", user.name, "--role", "admin", "--json"], env))["user"]).toMatchObject({ role: "USER_ROLE_ADMIN" });
    const list = await runCli(["users", "list"], env);
    expect(list.stdout).toMatch(/^\d+\s+carol\s+admin/m);

    const key = json(await runCli(["users", "api-keys", "create", "-", "--display-name", "ci", "--expires", "7d", "--json"], env));
    const secret = String(key["secret"]);
    const withKey = await runCli(["users", "get", user.name, "--json"], { ...env, JOBWIRE_SESSION: "", JOBWIRE_API_KEY: secret });
    expect(json(withKey)["user"]).toMatchObject({ username: "carol" });
    const keyName = String((key["apiKey"] as { name: string }).name);
    expect((await runCli(["users", "api-keys", "list", "-"], env)).stdout).toContain(keyName);
    expect((await runCli(["users", "api-keys", "delete", keyName], env)).code).toBe(0);
    const revoked = await runCli(["users", "get", user.name], { ...env, JOBWIRE_SESSION: "", JOBWIRE_API_KEY: secret });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/^jobwire: unauthenticated: /);
    expect((await runCli(["users", "delete", user.name], env)).code).toBe(0);
  });

  it("follows a run's log until the run is killed from the CLI", async () => {
    const { executorGroup, accessToken } = await clients.groups.createExecutorGroup({ executorGroup: { appName: "cli-follow", displayName: "Follow" } });
    executor = createExecutor({ adminAddresses: [admin.url], appName: "cli-follow", accessToken, host: "127.0.0.1", port: 0, logDir: path.join(dir, "logs"), logger: silentLogger });
    executor.register("waitsForKill", async (ctx) => {
      ctx.log("waiting for the kill");
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
      return "aborted";
    });
    await executor.start();
    const { job } = await clients.jobs.createJob({ job: { executorGroup: executorGroup?.name ?? "", displayName: "follow", author: "cli", handler: "waitsForKill" } });
    const { runs } = await clients.jobs.triggerJob({ name: job?.name ?? "" });
    const runName = runs[0] ?? "";
    await waitFor("the run to start", async () => ((await clients.runs.getRun({ name: runName })).run?.state === RunState.RUNNING ? true : undefined));

    const follow = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "src/cli/main.ts"), "runs", "logs", runName, "--follow"], { cwd: ROOT, env: { ...process.env, ...env } });
    let followed = "";
    follow.stdout.on("data", (chunk: Buffer) => (followed += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => follow.once("close", resolve));
    await waitFor("the follow to print the first line", () => (followed.includes("waiting for the kill") ? true : undefined), 60_000);

    const kill = await runCli(["runs", "kill", runName], env);
    expect(kill.code).toBe(0);
    await waitFor("the run to be killed", async () => ((await clients.runs.getRun({ name: runName })).run?.state === RunState.KILLED ? true : undefined));
    // The follow ends by itself once the run is final.
    expect(await exited).toBe(0);
    const list = await runCli(["runs", "list", "--state", "killed", "--json"], env);
    expect((json(list)["runs"] as { name: string }[]).map((r) => r.name)).toEqual([runName]);
  });
});
