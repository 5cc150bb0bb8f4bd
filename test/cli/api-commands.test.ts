import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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

const PASSWORD = "cli-api-password";

// Every command is a fresh Node process; on a loaded machine a handful of them take well over the default timeout.
describe("jobwire API commands (the real binary against a real admin on SQLite)", { timeout: 120_000 }, () => {
  let dir: string;
  let admin: Admin;
  let executor: Executor;
  let clients: ConsoleClients & { token: string };
  let env: Record<string, string>;
  let groupId: string;
  let jobName: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "jobwire-cli-api-"));
    admin = await startAdmin({ databaseUrl: `sqlite:${path.join(dir, "a.db")}`, host: "127.0.0.1", port: 0, initialAdminPassword: PASSWORD, logger: silentLogger });
    clients = await loginAs(admin.url, "admin", PASSWORD);
    const created = await clients.groups.createExecutorGroup({ executorGroup: { appName: "cli-orders", displayName: "CLI orders" } });
    groupId = (created.executorGroup?.name ?? "").split("/")[1] ?? "";
    executor = createExecutor({ adminAddresses: [admin.url], appName: "cli-orders", accessToken: created.accessToken, host: "127.0.0.1", port: 0, logDir: path.join(dir, "logs"), logger: silentLogger });
    executor.register("echoHandler", (ctx) => {
      ctx.log("echoing %s", ctx.param);
      return `echo: ${ctx.param}`;
    });
    await executor.start();
    // A config dir of our own, so that a session stored on this machine is never picked up.
    env = { JOBWIRE_ADMIN_URL: admin.url, JOBWIRE_SESSION: clients.token, JOBWIRE_API_KEY: "", JOBWIRE_CONFIG_DIR: path.join(dir, "config") };
  });

  afterAll(async () => {
    await executor?.stop();
    await admin?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates a job from flags and prints it as protobuf JSON", async () => {
    const result = await runCli(
      ["jobs", "create", "--group", groupId, "--display-name", "nightly echo", "--author", "ops", "--handler", "echoHandler", "--param", "hello", "--schedule-type", "cron", "--cron", "0 0 3 * * ?", "--json"],
      env,
    );
    const job = json(result)["job"] as Record<string, unknown>;
    expect(job).toMatchObject({ displayName: "nightly echo", handler: "echoHandler", schedule: { type: "SCHEDULE_TYPE_CRON", cron: "0 0 3 * * ?" }, state: "JOB_STATE_STOPPED" });
    jobName = String(job["name"]);
    expect(jobName).toMatch(/^jobs\/\d+$/);
  });

  it("lists and gets jobs as tables and as JSON", async () => {
    const [table, listJson, detail] = await Promise.all([
      runCli(["jobs", "list"], env),
      runCli(["jobs", "list", "--group", groupId, "--json"], env),
      runCli(["jobs", "get", jobName.split("/")[1] ?? ""], env),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+GROUP\s+SCHEDULE\s+HANDLER\s+STATE/);
    expect(table.stdout).toMatch(/nightly echo\s+\d+\s+cron 0 0 3 \* \* \?\s+echoHandler\s+stopped/);
    const jobs = json(listJson)["jobs"] as { name: string }[];
    expect(jobs.map((j) => j.name)).toEqual([jobName]);
    expect(detail.code).toBe(0);
    expect(detail.stdout).toMatch(/^displayName:\s+nightly echo$/m);
  });

  it("updates only the fields given, keeping the rest of the schedule", async () => {
    const result = await runCli(["jobs", "update", jobName, "--cron", "0 30 4 * * ?", "--description", "from the CLI", "--json"], env);
    expect(json(result)["job"]).toMatchObject({ description: "from the CLI", schedule: { type: "SCHEDULE_TYPE_CRON", cron: "0 30 4 * * ?" }, param: "hello" });
    const { job } = await clients.jobs.getJob({ name: jobName });
    expect(job?.schedule?.cron).toBe("0 30 4 * * ?");
  });

  it("starts and stops a job", async () => {
    expect(json(await runCli(["jobs", "start", jobName, "--json"], env))["job"]).toMatchObject({ state: "JOB_STATE_RUNNING" });
    expect(json(await runCli(["jobs", "stop", jobName, "--json"], env))["job"]).toMatchObject({ state: "JOB_STATE_STOPPED" });
  });

  it("triggers a job once and shows the run, its list entry and its log", async () => {
    const trigger = await runCli(["jobs", "trigger", jobName, "--param", "from the cli"], env);
    expect(trigger.code).toBe(0);
    const runName = trigger.stdout.trim();
    expect(runName).toMatch(/^runs\/\d+$/);
    await waitFor("the triggered run to finish", async () => {
      const { run } = await clients.runs.getRun({ name: runName });
      return run?.state === RunState.SUCCEEDED || run?.state === RunState.FAILED ? run : undefined;
    });
    const [get, list, listTable, logs] = await Promise.all([
      runCli(["runs", "get", runName, "--json"], env),
      runCli(["runs", "list", "--job", jobName, "--json"], env),
      runCli(["runs", "list", "--job", jobName, "--state", "succeeded"], env),
      runCli(["runs", "logs", runName], env),
    ]);
    expect(json(get)["run"]).toMatchObject({ name: runName, job: jobName, state: "RUN_STATE_SUCCEEDED", param: "from the cli", handleMessage: "echo: from the cli" });
    expect((json(list)["runs"] as { name: string }[]).map((r) => r.name)).toEqual([runName]);
    expect(listTable.code).toBe(0);
    expect(listTable.stdout).toMatch(new RegExp(`^${runName.split("/")[1] ?? ""}\\s+\\d+\\s+succeeded\\s+manual`, "m"));
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("echoing from the cli");
  });

  it("prints the server's message naming the bad field and exits 1, storing nothing", async () => {
    const before = (await clients.jobs.listJobs({})).jobs.length;
    const result = await runCli(["jobs", "create", "--group", groupId, "--display-name", "bad cron", "--author", "ops", "--handler", "echoHandler", "--schedule-type", "cron", "--cron", "not a cron"], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^jobwire: invalid_argument: job\.schedule\.cron: /);
    expect((await clients.jobs.listJobs({})).jobs.length).toBe(before);
  });

  it("exits 1 with not_found for a missing job and 2 for usage errors", async () => {
    const [missing, unknownFlag, badEnum, noCredential] = await Promise.all([
      runCli(["jobs", "get", "999999"], env),
      runCli(["jobs", "list", "--colour", "red"], env),
      runCli(["jobs", "create", "--schedule-type", "sometimes"], env),
      runCli(["jobs", "list"], { ...env, JOBWIRE_SESSION: "" }),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^jobwire: not_found: /);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("--colour");
    expect(badEnum.code).toBe(2);
    expect(badEnum.stderr).toContain("--schedule-type must be one of none, cron, fix-rate, fix-delay");
    expect(noCredential.code).toBe(2);
    expect(noCredential.stderr).toContain("no credential");
  });

  it("exports to a file and imports it into another admin, idempotently", async () => {
    const file = path.join(dir, "export.json");
    const exported = await runCli(["jobs", "export", "--out", file], env);
    expect(exported.code).toBe(0);
    const content = JSON.parse(await readFile(file, "utf8")) as { jobs: { appName: string; job: { displayName: string } }[] };
    expect(content.jobs.map((j) => [j.appName, j.job.displayName])).toEqual([["cli-orders", "nightly echo"]]);

    const other = await startAdmin({ databaseUrl: `sqlite:${path.join(dir, "b.db")}`, host: "127.0.0.1", port: 0, initialAdminPassword: PASSWORD, logger: silentLogger });
    try {
      const otherClients = await loginAs(other.url, "admin", PASSWORD);
      const otherEnv = { ...env, JOBWIRE_ADMIN_URL: other.url, JOBWIRE_SESSION: otherClients.token };
      // The group does not exist there: refused with the server's message, unless asked to create it.
      const refused = await runCli(["jobs", "import", "--file", file], otherEnv);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/cli-orders/);
      expect((await otherClients.jobs.listJobs({})).jobs).toEqual([]);
      const first = await runCli(["jobs", "import", "--file", file, "--create-missing-groups", "--json"], otherEnv);
      expect(json(first)["results"]).toEqual([expect.objectContaining({ created: true, outcome: "IMPORT_OUTCOME_CREATED" })]);
      // Standard input works as well, and a second import of the same document changes nothing.
      const second = await runCli(["jobs", "import"], otherEnv, { stdin: await readFile(file, "utf8") });
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/unchanged/);
      const { jobs } = await otherClients.jobs.listJobs({});
      expect(jobs.map((j) => [j.displayName, j.handler, j.schedule?.cron])).toEqual([["nightly echo", "echoHandler", "0 30 4 * * ?"]]);
    } finally {
      await other.stop();
    }
  });

  it("creates a job from a JSON file saved by jobs get --json", async () => {
    const saved = await runCli(["jobs", "get", jobName, "--json"], env);
    const file = path.join(dir, "job.json");
    await writeFile(file, saved.stdout);
    const result = await runCli(["jobs", "create", "--file", file, "--display-name", "copy from file", "--json"], env);
    const job = json(result)["job"] as Record<string, unknown>;
    expect(job).toMatchObject({ displayName: "copy from file", handler: "echoHandler", description: "from the CLI", schedule: { cron: "0 30 4 * * ?" } });
    expect(job["name"]).not.toBe(jobName);
  });

  it("lists executor groups and their live executors", async () => {
    const [groups, executors] = await Promise.all([runCli(["groups", "list", "--json"], env), runCli(["groups", "executors", groupId], env)]);
    expect((json(groups)["executorGroups"] as { appName: string }[]).map((g) => g.appName)).toContain("cli-orders");
    expect(executors.code).toBe(0);
    expect(executors.stdout).toContain(executor.address);
  });

  it("logs in: prints a working session token, or stores it for later commands", async () => {
    const noSession = { ...env, JOBWIRE_SESSION: "" };
    const printed = await runCli(["login", "--username", "admin", "--password-stdin"], noSession, { stdin: `${PASSWORD}\n` });
    expect(printed.code).toBe(0);
    const token = printed.stdout.trim();
    expect(json(await runCli(["jobs", "get", jobName, "--api-key", token, "--json"], noSession))["job"]).toMatchObject({ name: jobName });

    const saved = await runCli(["login", "--username", "admin", "--save"], { ...noSession, JOBWIRE_PASSWORD: PASSWORD });
    expect(saved.code).toBe(0);
    expect(saved.stdout).toBe("");
    expect(json(await runCli(["jobs", "get", jobName, "--json"], noSession))["job"]).toMatchObject({ name: jobName });

    const wrong = await runCli(["login", "--username", "admin", "--password", "not-the-password"], noSession);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^jobwire: unauthenticated: /);
  });

  it("deletes a job", async () => {
    const result = await runCli(["jobs", "delete", jobName], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`deleted ${jobName}\n`);
    const after = await runCli(["jobs", "get", jobName], env);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain("not_found");
  });
});
