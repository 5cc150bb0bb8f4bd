import { timestampMs } from "@bufbuild/protobuf/wkt";
import { rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { demoHandlerSettingsFromArgs } from "../../src/cli/commands/executor.js";
import { registerDemoHandlers, type DemoHandlerSettings } from "../../src/cli/demo/demo-handlers.js";
import { HostAllowList } from "../../src/cli/demo/host-allow-list.js";
import type { Executor } from "../../src/executor/index.js";
import type { RunResult } from "../../src/gen/jobwire/v1/admin_service_pb.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { startFakeAdmin, type FakeAdmin } from "./fake-admin.js";
import { ACCESS_TOKEN, APP_NAME, callExecutor, makeLogDir, runRequest, testExecutor, type ExecutorCaller } from "./harness.js";
import { pidFromLog, processAlive, waitForExit } from "./processes.js";
import { waitFor } from "./wait-for.js";

/** A real executor with the demo handlers, registered with a fake admin. */
interface DemoExecutor {
  readonly executor: Executor;
  readonly caller: ExecutorCaller;
  readonly logDir: string;
  run(handler: string, param: string): Promise<{ runId: bigint; triggerTimeMs: number }>;
  result(runId: bigint): Promise<RunResult>;
  close(): Promise<void>;
}

async function startDemoExecutor(admin: FakeAdmin, settings: DemoHandlerSettings): Promise<DemoExecutor> {
  const logDir = await makeLogDir();
  const executor = testExecutor([admin.url], logDir);
  registerDemoHandlers(executor, settings);
  await executor.start();
  const caller = callExecutor(executor.address);
  return {
    executor,
    caller,
    logDir,
    run: async (handler, param) => {
      const req = runRequest({ jobId: 500n, handler, param });
      await caller.client.run(req);
      return { runId: req.runId, triggerTimeMs: req.triggerTime === undefined ? 0 : timestampMs(req.triggerTime) };
    },
    result: (runId) => waitFor(`the result of run ${runId}`, () => admin.stored.get(Number(runId))),
    close: async () => {
      caller.close();
      await executor.stop();
      await rm(logDir, { recursive: true, force: true });
    },
  };
}

describe("demo handlers", () => {
  let admin: FakeAdmin;
  let target: http.Server;
  let targetHost: string;
  const requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let locked: DemoExecutor;
  let open: DemoExecutor;

  beforeAll(async () => {
    admin = await startFakeAdmin({ appName: APP_NAME, accessToken: ACCESS_TOKEN });
    target = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
        if (req.url === "/ok") res.writeHead(200, { "content-type": "text/plain" }).end("pong");
        else if (req.url === "/missing") res.writeHead(404).end("no such thing");
        else if (req.url === "/broken") res.writeHead(503).end("try later");
        else if (req.url === "/away") res.writeHead(302, { location: "http://elsewhere.invalid/x" }).end();
        else if (req.url === "/hop") res.writeHead(303, { location: "/ok" }).end();
        else if (req.url === "/slow") setTimeout(() => res.writeHead(200).end("late"), 5_000).unref();
        else res.writeHead(200).end(body);
      });
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    targetHost = `127.0.0.1:${(target.address() as AddressInfo).port}`;
    locked = await startDemoExecutor(admin, { httpAllowHosts: [], commandHandlerEnabled: false });
    open = await startDemoExecutor(admin, { httpAllowHosts: [targetHost], commandHandlerEnabled: true });
  });

  afterAll(async () => {
    await locked?.close();
    await open?.close();
    target?.closeAllConnections();
    await new Promise((resolve) => target?.close(resolve));
    await admin?.close();
  });

  afterEach(() => {
    requests.length = 0;
  });

  describe("httpJobHandler", () => {
    it("calls an allowed host and succeeds on 2xx, logging the body", async () => {
      const { runId } = await open.run("httpJobHandler", JSON.stringify({ url: `http://${targetHost}/ok` }));
      expect(await open.result(runId)).toMatchObject({ state: RunState.SUCCEEDED, message: `HTTP 200 OK from GET http://${targetHost}/ok` });
    });

    it("sends the method, headers and a JSON body as given", async () => {
      const { runId } = await open.run("httpJobHandler", JSON.stringify({ url: `http://${targetHost}/echo`, method: "post", headers: { "x-trace": "t1" }, body: { day: "today" } }));
      expect((await open.result(runId)).state).toBe(RunState.SUCCEEDED);
      expect(requests[0]).toMatchObject({ method: "POST", url: "/echo", body: '{"day":"today"}', headers: expect.objectContaining({ "x-trace": "t1", "content-type": "application/json" }) as unknown });
    });

    it("refuses every host when the allow-list is empty, naming the host and the flag that allows it", async () => {
      const { runId } = await locked.run("httpJobHandler", JSON.stringify({ url: `http://${targetHost}/ok` }));
      const result = await locked.result(runId);
      expect(result).toMatchObject({ state: RunState.FAILED, nonRetryable: true });
      expect(result.message).toBe(
        `httpJobHandler refuses host "${targetHost}": the executor's HTTP allow-list is empty, so every host is refused; start it with --http-allow-hosts ${targetHost} (or JOBWIRE_HTTP_ALLOW_HOSTS) to allow it`,
      );
      expect(requests).toEqual([]);
    });

    it("refuses a host missing from the allow-list, also as a redirect target", async () => {
      const direct = await open.run("httpJobHandler", JSON.stringify({ url: "http://intranet.invalid/admin" }));
      expect((await open.result(direct.runId)).message).toBe(`httpJobHandler refuses host "intranet.invalid": it is not in the executor's HTTP allow-list (${targetHost}); add it with --http-allow-hosts (or JOBWIRE_HTTP_ALLOW_HOSTS)`);
      const redirected = await open.run("httpJobHandler", JSON.stringify({ url: `http://${targetHost}/away` }));
      expect((await open.result(redirected.runId)).message).toMatch(/^httpJobHandler refuses host "elsewhere\.invalid"/);
    });

    it("follows a redirect within the allow-list", async () => {
      const { runId } = await open.run("httpJobHandler", JSON.stringify({ url: `http://${targetHost}/hop`, method: "POST", body: "x" }));
      expect((await open.result(runId)).message).toBe(`HTTP 200 OK from GET http://${targetHost}/ok`);
    });

    it("fails 5xx retryably and 4xx without retry", async () => {
      const broken = await open.run("httpJobHandler", JSON.stringify({ url: `http://${targetHost}/broken` }));
      expect(await open.result(broken.runId)).toMatchObject({ state: RunState.FAILED, nonRetryable: false, message: `HTTP 503 Service Unavailable from GET http://${targetHost}/broken` });
      const missing = await open.run("httpJobHandler", JSON.stringify({ url: `http://${targetHost}/missing` }));
      expect(await open.result(missing.runId)).toMatchObject({ state: RunState.FAILED, nonRetryable: true, message: `HTTP 404 Not Found from GET http://${targetHost}/missing` });
    });

    it("fails when the server does not answer within the param's timeout", async () => {
      const { runId } = await open.run("httpJobHandler", JSON.stringify({ url: `http://${targetHost}/slow`, timeout: 200 }));
      expect(await open.result(runId)).toMatchObject({ state: RunState.FAILED, message: `GET http://${targetHost}/slow: no answer within 200 ms` });
    });

    it.each([
      ["not JSON", "https://example.com", /^httpJobHandler param must be JSON such as /],
      ["without url", "{}", /^param\.url: undefined must be an http\(s\) URL$/],
      ["with a bad timeout", JSON.stringify({ url: "http://a.invalid", timeout: -1 }), /^param\.timeout: -1 must be milliseconds from 1 to 300000$/],
    ])("refuses a param %s without retry", async (_what, param, message) => {
      const { runId } = await open.run("httpJobHandler", param);
      const result = await open.result(runId);
      expect(result.nonRetryable).toBe(true);
      expect(result.message).toMatch(message);
    });
  });

  describe("commandJobHandler", () => {
    it("refuses to run unless enabled, saying how to enable it", async () => {
      const { runId } = await locked.run("commandJobHandler", "echo hi");
      expect(await locked.result(runId)).toMatchObject({ state: RunState.FAILED, nonRetryable: true, message: expect.stringContaining("--enable-command-handler (or JOBWIRE_ENABLE_COMMAND_HANDLER=true)") as unknown });
    });

    it("runs a command line when enabled and fails on a non-zero exit", async () => {
      const ok = await open.run("commandJobHandler", "echo hello from sh");
      expect(await open.result(ok.runId)).toMatchObject({ state: RunState.SUCCEEDED, message: "command exited with code 0" });
      const bad = await open.run("commandJobHandler", "echo nope >&2; exit 7");
      expect(await open.result(bad.runId)).toMatchObject({ state: RunState.FAILED, message: "command exited with code 7; last stderr lines:\nnope" });
    });

    it("kills the command's whole process tree when the run is killed", async () => {
      const { runId, triggerTimeMs } = await open.run("commandJobHandler", 'sleep 300 & echo "child-pid=$!"; wait');
      const child = await pidFromLog(open.logDir, runId, triggerTimeMs, "child-pid");
      expect(processAlive(child)).toBe(true);
      await open.caller.client.kill({ target: { case: "runId", value: runId } });
      expect((await open.result(runId)).state).toBe(RunState.KILLED);
      await waitForExit(child, "the command's background sleep");
    });
  });
});

describe("HostAllowList", () => {
  it("matches hosts, host:port and *.domain without regard to case", () => {
    const list = HostAllowList.parse("api.example.com, Internal:8443, *.corp.example, [::1]:9000");
    expect(list.allows(new URL("https://API.example.com/x"))).toBe(true);
    expect(list.allows(new URL("http://internal:8443/"))).toBe(true);
    expect(list.allows(new URL("http://internal:8444/"))).toBe(false);
    expect(list.allows(new URL("https://a.b.corp.example/"))).toBe(true);
    expect(list.allows(new URL("https://corp.example/"))).toBe(false);
    expect(list.allows(new URL("http://[::1]:9000/"))).toBe(true);
    expect(list.allows(new URL("https://api.example.com.evil.test/"))).toBe(false);
  });

  it("refuses an entry with a scheme or path", () => {
    expect(() => HostAllowList.parse("https://api.example.com/x")).toThrow(/must be a bare host, host:port or \*\.domain|is not a host/);
  });
});

describe("executor command flags for the demo handlers", () => {
  afterEach(() => {
    delete process.env["JOBWIRE_HTTP_ALLOW_HOSTS"];
    delete process.env["JOBWIRE_ENABLE_COMMAND_HANDLER"];
  });

  it("keeps both off by default", () => {
    expect(demoHandlerSettingsFromArgs([])).toEqual({ httpAllowHosts: [], commandHandlerEnabled: false });
  });

  it("reads --http-allow-hosts and --enable-command-handler, or their environment variables", () => {
    expect(demoHandlerSettingsFromArgs(["--http-allow-hosts", "a.example, b.example:81", "--enable-command-handler"])).toEqual({ httpAllowHosts: ["a.example", "b.example:81"], commandHandlerEnabled: true });
    process.env["JOBWIRE_HTTP_ALLOW_HOSTS"] = "c.example";
    process.env["JOBWIRE_ENABLE_COMMAND_HANDLER"] = "true";
    expect(demoHandlerSettingsFromArgs([])).toEqual({ httpAllowHosts: ["c.example"], commandHandlerEnabled: true });
  });

  it("refuses a malformed host entry and a non-boolean environment value", () => {
    expect(() => demoHandlerSettingsFromArgs(["--http-allow-hosts", "http://x/y"])).toThrow(/^--http-allow-hosts: HTTP allow-list entry "http:\/\/x\/y"/);
    process.env["JOBWIRE_ENABLE_COMMAND_HANDLER"] = "maybe";
    expect(() => demoHandlerSettingsFromArgs([])).toThrow('JOBWIRE_ENABLE_COMMAND_HANDLER must be true or false, got "maybe"');
  });
});
