import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdmin, type Admin } from "../../src/admin/index.js";
import { createExecutor, type Executor } from "../../src/executor/index.js";
import { silentLogger } from "../../src/shared/logger.js";
import { loginAs, type ConsoleClients } from "../helpers/console-client.js";
import { waitFor } from "../helpers/wait-for.js";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const BUF = path.join(ROOT, "node_modules/.bin/buf");
const PASSWORD = "interop-password";

/**
 * The contracts must be usable outside this codebase: the same console flow is driven by @grpc/grpc-js (a
 * second gRPC implementation, loading the .proto files at run time) and by `buf curl` through server reflection
 * (no .proto files at all).
 */
describe("interoperability with other gRPC clients", () => {
  let admin: Admin;
  let executor: Executor;
  let clients: ConsoleClients;
  let dataDir: string;
  let groupName: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "jobwire-interop-"));
    admin = await startAdmin({ databaseUrl: `sqlite:${path.join(dataDir, "jobwire.db")}`, host: "127.0.0.1", port: 0, initialAdminPassword: PASSWORD, logger: silentLogger });
    clients = await loginAs(admin.url, "admin", PASSWORD);
    const { accessToken, executorGroup } = await clients.groups.createExecutorGroup({ executorGroup: { appName: "interop-app", displayName: "Interop" } });
    groupName = executorGroup?.name ?? "";
    executor = createExecutor({ adminAddresses: [admin.url], appName: "interop-app", accessToken, host: "127.0.0.1", port: 0, logDir: path.join(dataDir, "logs"), logger: silentLogger });
    executor.register("greet", (ctx) => `hello ${ctx.param}`);
    await executor.start();
  });

  afterAll(async () => {
    await executor?.stop();
    await admin?.stop(100);
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  describe("@grpc/grpc-js client", () => {
    type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;
    type Unary = (request: object, metadata: grpc.Metadata, callback: Callback<Record<string, unknown>>) => void;
    const unary = (client: grpc.Client, method: string, request: object, metadata: grpc.Metadata): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const fn = (client as unknown as Record<string, Unary>)[method];
        if (fn === undefined) throw new Error(`no method ${method}`);
        fn.call(client, request, metadata, (error, value) => (error !== null ? reject(error) : resolve(value ?? {})));
      });

    it("logs in, creates a group and a job, triggers it and sees it succeed", async () => {
      const definition = protoLoader.loadSync(
        ["jobwire/v1/auth_service.proto", "jobwire/v1/executor_group_service.proto", "jobwire/v1/job_service.proto", "jobwire/v1/run_service.proto"],
        { includeDirs: [path.join(ROOT, "proto")], longs: String, enums: String, defaults: true },
      );
      const loaded = grpc.loadPackageDefinition(definition) as unknown as { jobwire: { v1: Record<string, grpc.ServiceClientConstructor> } };
      const target = admin.url.replace("http://", "");
      const make = (service: string): grpc.Client => {
        const Ctor = loaded.jobwire.v1[service];
        if (Ctor === undefined) throw new Error(`no service ${service}`);
        return new Ctor(target, grpc.credentials.createInsecure());
      };
      const auth = make("AuthService");
      const jobs = make("JobService");
      const runs = make("RunService");
      try {
        const login = await unary(auth, "Login", { username: "admin", password: PASSWORD }, new grpc.Metadata());
        const metadata = new grpc.Metadata();
        metadata.set("authorization", `Bearer ${String(login["sessionToken"] ?? login["session_token"])}`);
        const created = await unary(
          jobs,
          "CreateJob",
          { job: { executorGroup: groupName, displayName: "grpc-js job", author: "interop", handler: "greet", param: "grpc-js" } },
          metadata,
        );
        const job = created["job"] as { name: string };
        const triggered = await unary(jobs, "TriggerJob", { name: job.name }, metadata);
        const runName = (triggered["runs"] as string[])[0] ?? "";
        const final = await waitFor("the grpc-js triggered run to finish", async () => {
          const { run } = (await unary(runs, "GetRun", { name: runName }, metadata)) as { run: { state: string; handleMessage: string } };
          return run.state === "RUN_STATE_SUCCEEDED" || run.state === "RUN_STATE_FAILED" ? run : undefined;
        });
        expect(final).toMatchObject({ state: "RUN_STATE_SUCCEEDED", handleMessage: "hello grpc-js" });

        const denied = unary(jobs, "ListJobs", {}, new grpc.Metadata());
        await expect(denied).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      } finally {
        auth.close();
        jobs.close();
        runs.close();
      }
    });
  });

  describe("buf curl through server reflection", () => {
    const curl = async (args: string[], body?: string): Promise<string> => {
      const { stdout } = await exec(BUF, ["curl", "--http2-prior-knowledge", ...args, ...(body === undefined ? [] : ["-d", body])], { timeout: 20_000 });
      return stdout;
    };

    it("lists the jobwire services without any .proto file", async () => {
      const services = (await curl(["--list-services", admin.url])).split("\n");
      expect(services).toEqual(expect.arrayContaining(["jobwire.v1.JobService", "jobwire.v1.AdminService", "grpc.health.v1.Health"]));
    });

    it("drives the console flow over gRPC and Connect", async () => {
      const login = JSON.parse(await curl(["--protocol", "grpc", `${admin.url}/jobwire.v1.AuthService/Login`], JSON.stringify({ username: "admin", password: PASSWORD }))) as { sessionToken: string };
      const auth = ["-H", `authorization: Bearer ${login.sessionToken}`];
      const created = JSON.parse(
        await curl([...auth, `${admin.url}/jobwire.v1.JobService/CreateJob`], JSON.stringify({ job: { executorGroup: groupName, displayName: "buf curl job", author: "interop", handler: "greet", param: "buf" } })),
      ) as { job: { name: string } };
      const triggered = JSON.parse(await curl([...auth, "--protocol", "grpc", `${admin.url}/jobwire.v1.JobService/TriggerJob`], JSON.stringify({ name: created.job.name }))) as { runs: string[] };
      const runName = triggered.runs[0] ?? "";
      const final = await waitFor("the buf-curl triggered run to finish", async () => {
        const { run } = JSON.parse(await curl([...auth, `${admin.url}/jobwire.v1.RunService/GetRun`], JSON.stringify({ name: runName }))) as { run: { state: string; handleMessage?: string } };
        return run.state === "RUN_STATE_SUCCEEDED" || run.state === "RUN_STATE_FAILED" ? run : undefined;
      });
      expect(final).toMatchObject({ state: "RUN_STATE_SUCCEEDED", handleMessage: "hello buf" });
    });

    it("reports UNAUTHENTICATED to buf curl without a credential", async () => {
      await expect(curl(["--protocol", "grpc", `${admin.url}/jobwire.v1.JobService/ListJobs`], "{}")).rejects.toMatchObject({ stderr: expect.stringContaining("unauthenticated") as unknown });
    });
  });
});
