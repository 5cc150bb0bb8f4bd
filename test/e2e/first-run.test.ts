import { Code, ConnectError } from "@connectrpc/connect";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdmin, type Admin } from "../../src/admin/index.js";
import { createExecutor, type Executor } from "../../src/executor/index.js";
import { ScheduleType } from "../../src/gen/jobwire/v1/job_pb.js";
import { RunState, TriggerState, type Run } from "../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../src/shared/logger.js";
import { loginAs, consoleClients, type ConsoleClients } from "../helpers/console-client.js";
import { DIALECT_NAMES } from "../../src/admin/persistence/index.js";
import { createTestDatabase, isDialectConfigured, type TestDatabase } from "../helpers/databases.js";
import { waitFor } from "../helpers/wait-for.js";

const ADMIN_PASSWORD = "first-run-password";

/** Waits until a run reaches a final state and returns it. */
export async function waitForFinalRun(clients: ConsoleClients, name: string): Promise<Run> {
  return waitFor(`run ${name} to finish`, async () => {
    const { run } = await clients.runs.getRun({ name });
    return run !== undefined && run.state !== RunState.PENDING && run.state !== RunState.RUNNING ? run : undefined;
  });
}

function codeOf(error: unknown): Code {
  return ConnectError.from(error).code;
}

describe.each(DIALECT_NAMES)("first end-to-end run on %s", (dialect) => {
  // Skipped (and so failing CI) when the dialect's server URL is not configured.
  if (!isDialectConfigured(dialect)) {
    it.skip(`needs JOBWIRE_TEST_${dialect.toUpperCase()}_URL`, () => {});
    return;
  }
  let database: TestDatabase;
  let admin: Admin;
  let executor: Executor;
  let clients: ConsoleClients;
  let groupName: string;
  let logDir: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    admin = await startAdmin({ databaseUrl: database.url, host: "127.0.0.1", port: 0, initialAdminPassword: ADMIN_PASSWORD, logger: silentLogger });
    clients = await loginAs(admin.url, "admin", ADMIN_PASSWORD);
    const created = await clients.groups.createExecutorGroup({ executorGroup: { appName: "orders-service", displayName: "Orders service" } });
    groupName = created.executorGroup?.name ?? "";
    logDir = await mkdtemp(path.join(tmpdir(), "jobwire-e2e-"));
    executor = createExecutor({ adminAddresses: [admin.url], appName: "orders-service", accessToken: created.accessToken, host: "127.0.0.1", port: 0, logDir, logger: silentLogger });
    executor.register("echoHandler", (ctx) => {
      ctx.log("got param %s", ctx.param);
      return `echo: ${ctx.param}`;
    });
    executor.register("failingHandler", () => {
      throw new Error("the warehouse is on fire");
    });
    await executor.start();
  });

  afterAll(async () => {
    await executor?.stop();
    await admin?.stop(100);
    await database?.drop();
    if (logDir !== undefined) await rm(logDir, { recursive: true, force: true });
  });

  it("lists the registered executor as a live address of its group", async () => {
    const addresses = await waitFor("the executor to register", async () => {
      const { executorGroup } = await clients.groups.getExecutorGroup({ name: groupName });
      return executorGroup !== undefined && executorGroup.addresses.length > 0 ? executorGroup.addresses : undefined;
    });
    expect(addresses).toEqual([executor.address]);
    const { executors } = await clients.groups.listExecutors({ parent: groupName });
    expect(executors[0]?.handlerNames).toEqual(expect.arrayContaining(["echoHandler", "failingHandler"]));
  });

  it("runs a BEAN job triggered through the console API and stores the handler's message", async () => {
    const { job } = await clients.jobs.createJob({
      job: { executorGroup: groupName, displayName: "Echo", author: "e2e", handler: "echoHandler", param: "hello", schedule: { type: ScheduleType.NONE } },
    });
    const { runs } = await clients.jobs.triggerJob({ name: job?.name ?? "" });
    expect(runs).toHaveLength(1);
    const run = await waitForFinalRun(clients, runs[0] ?? "");
    expect(run.state).toBe(RunState.SUCCEEDED);
    expect(run.triggerState).toBe(TriggerState.ACCEPTED);
    expect(run.handleMessage).toBe("echo: hello");
    expect(run.executorAddress).toBe(executor.address);
    expect(run.triggerReport?.chosenAddress).toBe(executor.address);
    expect(run.triggerReport?.replyCode).toBe("ok");
  });

  it("uses the trigger's param instead of the job's when one is given", async () => {
    const { job } = await clients.jobs.createJob({ job: { executorGroup: groupName, displayName: "Echo 2", author: "e2e", handler: "echoHandler", param: "job param" } });
    const { runs } = await clients.jobs.triggerJob({ name: job?.name ?? "", param: "override" });
    expect((await waitForFinalRun(clients, runs[0] ?? "")).handleMessage).toBe("echo: override");
  });

  it("marks a run whose handler throws as failed with the error message", async () => {
    const { job } = await clients.jobs.createJob({ job: { executorGroup: groupName, displayName: "Boom", author: "e2e", handler: "failingHandler" } });
    const { runs } = await clients.jobs.triggerJob({ name: job?.name ?? "" });
    const run = await waitForFinalRun(clients, runs[0] ?? "");
    expect(run.state).toBe(RunState.FAILED);
    expect(run.triggerState).toBe(TriggerState.ACCEPTED);
    expect(run.handleMessage).toContain("the warehouse is on fire");
  });

  it("records a failed trigger, not nothing, when the handler is unknown to the executor", async () => {
    const { job } = await clients.jobs.createJob({ job: { executorGroup: groupName, displayName: "Ghost", author: "e2e", handler: "noSuchHandler" } });
    const { runs } = await clients.jobs.triggerJob({ name: job?.name ?? "" });
    const run = await waitForFinalRun(clients, runs[0] ?? "");
    expect(run.state).toBe(RunState.FAILED);
    expect(run.triggerState).toBe(TriggerState.FAILED);
    expect(run.triggerReport?.replyCode).toBe("not_found");
    expect(run.triggerReport?.replyMessage).toContain("noSuchHandler");
  });

  describe("bad input", () => {
    it("refuses an unknown group, an empty handler and a malformed name with INVALID_ARGUMENT naming the field, and stores nothing", async () => {
      const before = (await clients.jobs.listJobs({})).totalSize;
      const unknownGroup = clients.jobs.createJob({ job: { executorGroup: "executorGroups/999999", displayName: "X", author: "e2e", handler: "echoHandler" } });
      await expect(unknownGroup).rejects.toSatisfy((e: unknown) => codeOf(e) === Code.InvalidArgument && ConnectError.from(e).rawMessage.includes("job.executor_group"));
      const emptyHandler = clients.jobs.createJob({ job: { executorGroup: groupName, displayName: "X", author: "e2e", handler: "  " } });
      await expect(emptyHandler).rejects.toSatisfy((e: unknown) => codeOf(e) === Code.InvalidArgument && ConnectError.from(e).rawMessage.startsWith("job.handler:"));
      const malformed = clients.jobs.getJob({ name: "jobs/not-a-number" });
      await expect(malformed).rejects.toSatisfy((e: unknown) => codeOf(e) === Code.InvalidArgument && ConnectError.from(e).rawMessage.startsWith("name:"));
      const badGroup = clients.groups.createExecutorGroup({ executorGroup: { appName: "Bad Name!", displayName: "x" } });
      await expect(badGroup).rejects.toSatisfy((e: unknown) => codeOf(e) === Code.InvalidArgument && ConnectError.from(e).rawMessage.startsWith("executor_group.app_name:"));
      expect((await clients.jobs.listJobs({})).totalSize).toBe(before);
    });

    it("answers NOT_FOUND for a job that does not exist", async () => {
      await expect(clients.jobs.getJob({ name: "jobs/987654" })).rejects.toSatisfy((e: unknown) => codeOf(e) === Code.NotFound);
      await expect(clients.jobs.triggerJob({ name: "jobs/987654" })).rejects.toSatisfy((e: unknown) => codeOf(e) === Code.NotFound);
    });

    it("refuses console calls without a credential or with a wrong one (UNAUTHENTICATED)", async () => {
      await expect(consoleClients(admin.url, undefined).jobs.listJobs({})).rejects.toSatisfy((e: unknown) => codeOf(e) === Code.Unauthenticated);
      await expect(consoleClients(admin.url, "jws_forged").jobs.listJobs({})).rejects.toSatisfy((e: unknown) => codeOf(e) === Code.Unauthenticated);
      await expect(consoleClients(admin.url, undefined).auth.login({ username: "admin", password: "wrong-password" })).rejects.toSatisfy(
        (e: unknown) => codeOf(e) === Code.Unauthenticated,
      );
    });

    it("refuses an executor with a wrong access token and registers nothing for it", async () => {
      const { executorGroup, accessToken } = await clients.groups.createExecutorGroup({ executorGroup: { appName: "wrong-token-app", displayName: "Wrong token" } });
      const intruder = createExecutor({ adminAddresses: [admin.url], appName: "wrong-token-app", accessToken: `${accessToken}x`, host: "127.0.0.1", port: 0, logDir, logger: silentLogger });
      intruder.register("echoHandler", () => "never");
      await intruder.start();
      try {
        const { executors } = await clients.groups.listExecutors({ parent: executorGroup?.name ?? "" });
        expect(executors).toEqual([]);
      } finally {
        await intruder.stop();
      }
    });
  });
});
