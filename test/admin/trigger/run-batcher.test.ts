import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ExecutorService,
  RunBatchResponseSchema,
  RunBatchResultSchema,
  type RunBatchRequest,
} from "../../../src/gen/jobwire/v1/executor_service_pb.js";
import { RunState } from "../../../src/gen/jobwire/v1/run_pb.js";
import { ExecutorClients } from "../../../src/admin/trigger/executor-clients.js";
import { RunBatcher } from "../../../src/admin/trigger/run-batcher.js";
import { startRpcServer } from "../../../src/shared/net/index.js";
import { ACCESS_TOKEN, APP_NAME, runRequest } from "../../executor/harness.js";
import { runCall } from "./run-call-fixture.js";
import { startExecutorFixture, type ExecutorFixture } from "../../executor/test-handlers.js";
import { startFakeExecutor, type FakeExecutor } from "../../helpers/fake-executor.js";

const credentials = { appName: APP_NAME, accessToken: ACCESS_TOKEN };

/** Settles each promise into "ok" or the code and message of its ConnectError. */
function outcomes(calls: readonly Promise<void>[]): Promise<(string | { code: Code; message: string })[]> {
  return Promise.all(calls.map((call) => call.then(() => "ok", (e: unknown) => ({ code: ConnectError.from(e).code, message: ConnectError.from(e).rawMessage }))));
}

describe("RunBatcher", () => {
  const clients = new ExecutorClients();
  afterAll(() => clients.closeAll());

  describe("against the real executor SDK", () => {
    let fx: ExecutorFixture;
    beforeAll(async () => {
      fx = await startExecutorFixture();
    });
    afterAll(async () => {
      await fx?.close();
    });

    it("sends the runs of one turn in one RunBatch and gives each caller its own run's acceptance or refusal", async () => {
      const batcher = new RunBatcher(clients, 5_000);
      const ok1 = runCall({ handler: "echo", param: "one" });
      const unknown = runCall({ handler: "noSuchHandler" });
      const ok2 = runCall({ handler: "echo", param: "two" });
      const results = await outcomes([ok1, unknown, ok2].map((req) => batcher.run(fx.executor.address, credentials, req)));
      expect(results).toEqual(["ok", { code: Code.NotFound, message: 'handler "noSuchHandler" is not registered in executor demo-app' }, "ok"]);
      // The accepted runs really ran; the refused one did not.
      expect((await fx.resultOf(BigInt(ok1.runId))).state).toBe(RunState.SUCCEEDED);
      expect((await fx.resultOf(BigInt(ok2.runId))).state).toBe(RunState.SUCCEEDED);
      expect(fx.admin.stored.has(unknown.runId)).toBe(false);
    });

    it("answers RunBatch per run in request order, refusing a duplicate run id as ALREADY_EXISTS", async () => {
      const gate = runRequest({ jobId: 41n, handler: "blocking", param: "batch-dup" });
      const response = await fx.caller.client.runBatch({ runs: [gate, gate] });
      expect(response.results.map((r) => [r.runId, r.code])).toEqual([
        [gate.runId, 0],
        [gate.runId, Code.AlreadyExists],
      ]);
      fx.handlers.gate("batch-dup").open();
      expect((await fx.resultOf(gate.runId)).state).toBe(RunState.SUCCEEDED);
    });

    it("refuses a RunBatch of more than 1 000 runs as INVALID_ARGUMENT naming the field", async () => {
      const runs = Array.from({ length: 1_001 }, () => runRequest({ handler: "echo" }));
      const error = await fx.caller.client.runBatch({ runs }).then(() => undefined, (e: unknown) => ConnectError.from(e));
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.rawMessage).toMatch(/^runs: at most 1000 runs per call/);
    });
  });

  describe("against an executor without RunBatch", () => {
    let fake: FakeExecutor;
    beforeAll(async () => {
      fake = await startFakeExecutor();
    });
    afterAll(async () => {
      await fake?.stop();
    });

    it("falls back to one Run per run when RunBatch is UNIMPLEMENTED, keeping each refusal to its run", async () => {
      fake.onRun((req) => {
        if (req.param === "refuse") throw new ConnectError("busy", Code.FailedPrecondition);
      });
      const batcher = new RunBatcher(clients, 5_000);
      const requests = ["a", "refuse", "b"].map((param) => runCall({ handler: "h", param }));
      const results = await outcomes(requests.map((req) => batcher.run(fake.url, credentials, req)));
      expect(results).toEqual(["ok", { code: Code.FailedPrecondition, message: "busy" }, "ok"]);
      expect(fake.runs.map((r) => r.param).sort()).toEqual(["a", "b", "refuse"]);
    });
  });

  describe("against an executor that batches", () => {
    const calls: RunBatchRequest[] = [];
    let server: Awaited<ReturnType<typeof startRpcServer>>;
    beforeAll(async () => {
      const handler = connectNodeAdapter({
        routes: (router) =>
          router.service(ExecutorService, {
            runBatch(request) {
              calls.push(request);
              return create(RunBatchResponseSchema, { results: request.runs.map((run) => create(RunBatchResultSchema, { runId: run.runId })) });
            },
          }),
        grpc: true,
        connect: false,
        grpcWeb: false,
      });
      server = await startRpcServer({ handler, host: "127.0.0.1", port: 0, pingIntervalMs: 15_000, pingTimeoutMs: 10_000 });
    });
    afterAll(async () => {
      await server?.close(0);
    });

    it("makes one call per turn and splits a turn of more than 100 runs into calls of at most 100", async () => {
      const batcher = new RunBatcher(clients, 5_000);
      const requests = Array.from({ length: 250 }, (_, i) => runCall({ handler: "h", param: String(i) }));
      const results = await outcomes(requests.map((req) => batcher.run(server.url, credentials, req)));
      expect(results.every((r) => r === "ok")).toBe(true);
      expect(calls.map((c) => c.runs.length)).toEqual([100, 100, 50]);
      expect(calls.flatMap((c) => c.runs.map((r) => r.param))).toEqual(requests.map((r) => r.param));
    });
  });
});
