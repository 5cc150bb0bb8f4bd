import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Health, type HealthCheckResponse } from "../../../src/gen/grpc/health/v1/health_pb.js";
import { createHealthService, registerReflection, ServingStatus, type HealthService } from "../../../src/shared/rpc/index.js";
import { startH2cServer, type TestServer } from "./h2c.js";

const HEALTH_PROTO = fileURLToPath(new URL("../../../proto/grpc/health/v1/health.proto", import.meta.url));

/** The slice of the grpc-js dynamic client these tests use; proto-loader builds it at run time without types. */
interface GrpcJsHealthClient extends grpc.Client {
  Check(request: { service: string }, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): grpc.ClientUnaryCall;
  Watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
}

/** Polls until `probe` holds, so tests wait for server-side cleanup instead of sleeping a fixed time. */
async function eventually(probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The next status on a Watch stream, or undefined once the stream has ended. */
async function nextStatus(stream: AsyncIterator<HealthCheckResponse>): Promise<ServingStatus | undefined> {
  const result = await stream.next();
  return result.done === true ? undefined : result.value.status;
}

describe("health", () => {
  let server: TestServer;
  let health: HealthService;
  let client: Client<typeof Health>;

  beforeEach(async () => {
    health = createHealthService();
    server = await startH2cServer((router) => {
      health.register(router);
      registerReflection(router);
    });
    client = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
  });

  afterEach(async () => {
    await server.close();
  });

  describe("createHealthService()", () => {
    describe("Check", () => {
      it("reports the overall server status under the empty service name", async () => {
        expect((await client.check({ service: "" })).status).toBe(ServingStatus.SERVING);
      });

      it("reports the status set for a named service", async () => {
        health.setStatus("jobwire.v1.ExecutorService", ServingStatus.NOT_SERVING);
        expect((await client.check({ service: "jobwire.v1.ExecutorService" })).status).toBe(ServingStatus.NOT_SERVING);
      });

      it("fails with NOT_FOUND for a service it does not know", async () => {
        await expect(client.check({ service: "nope.v1.Nope" })).rejects.toSatisfy((e: unknown) => ConnectError.from(e).code === Code.NotFound);
      });

      it("fails with NOT_FOUND again once a service is cleared", async () => {
        health.setStatus("a", ServingStatus.SERVING);
        health.clearStatus("a");
        await expect(client.check({ service: "a" })).rejects.toSatisfy((e: unknown) => ConnectError.from(e).code === Code.NotFound);
      });
    });

    describe("List", () => {
      it("returns every known service with its status", async () => {
        health.setStatus("a", ServingStatus.NOT_SERVING);
        const { statuses } = await client.list({});
        expect(Object.fromEntries(Object.entries(statuses).map(([name, r]) => [name, r.status]))).toEqual({
          "": ServingStatus.SERVING,
          a: ServingStatus.NOT_SERVING,
        });
      });
    });

    describe("Watch", () => {
      it("streams the current status, then each change, until the client cancels", async () => {
        const abort = new AbortController();
        const stream = client.watch({ service: "" }, { signal: abort.signal })[Symbol.asyncIterator]();
        expect(await nextStatus(stream)).toBe(ServingStatus.SERVING);
        expect(health.watcherCount()).toBe(1);
        health.setStatus("", ServingStatus.NOT_SERVING);
        expect(await nextStatus(stream)).toBe(ServingStatus.NOT_SERVING);
        health.setStatus("", ServingStatus.SERVING);
        expect(await nextStatus(stream)).toBe(ServingStatus.SERVING);
        abort.abort();
        await expect(stream.next()).rejects.toSatisfy((e: unknown) => ConnectError.from(e).code === Code.Canceled);
        await eventually(() => health.watcherCount() === 0);
      });

      it("reports SERVICE_UNKNOWN without ending the stream, then the status once the service appears", async () => {
        const abort = new AbortController();
        const stream = client.watch({ service: "late" }, { signal: abort.signal })[Symbol.asyncIterator]();
        expect(await nextStatus(stream)).toBe(ServingStatus.SERVICE_UNKNOWN);
        health.setStatus("late", ServingStatus.SERVING);
        expect(await nextStatus(stream)).toBe(ServingStatus.SERVING);
        abort.abort();
        await eventually(() => health.watcherCount() === 0);
      });

      it("does not repeat a status that did not change", async () => {
        const abort = new AbortController();
        const stream = client.watch({ service: "" }, { signal: abort.signal })[Symbol.asyncIterator]();
        expect(await nextStatus(stream)).toBe(ServingStatus.SERVING);
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus("", ServingStatus.NOT_SERVING);
        expect(await nextStatus(stream)).toBe(ServingStatus.NOT_SERVING);
        abort.abort();
      });
    });

    describe("shutdown()", () => {
      it("sends NOT_SERVING to watchers and then ends their streams", async () => {
        const received: ServingStatus[] = [];
        const watching = (async () => {
          for await (const response of client.watch({ service: "" })) {
            received.push(response.status);
            if (received.length === 1) health.shutdown();
          }
        })();
        await watching;
        expect(received).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
        expect(health.watcherCount()).toBe(0);
      });

      it("marks every service NOT_SERVING and ignores changes until resume()", async () => {
        health.setStatus("a", ServingStatus.SERVING);
        health.shutdown();
        health.setStatus("a", ServingStatus.SERVING);
        expect((await client.check({ service: "" })).status).toBe(ServingStatus.NOT_SERVING);
        expect((await client.check({ service: "a" })).status).toBe(ServingStatus.NOT_SERVING);
        health.resume();
        expect((await client.check({ service: "a" })).status).toBe(ServingStatus.SERVING);
      });
    });
  });

  describe("createHealthService() called by @grpc/grpc-js with the vendored proto", () => {
    let js: GrpcJsHealthClient;

    beforeEach(() => {
      const definition = loadSync(HEALTH_PROTO, { enums: String, defaults: true });
      const Ctor = grpc.makeClientConstructor(definition["grpc.health.v1.Health"] as grpc.ServiceDefinition, "Health");
      js = new Ctor(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure()) as unknown as GrpcJsHealthClient;
    });

    afterEach(() => {
      js.close();
    });

    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) => {
        js.Check({ service }, (error, response) => (error !== null ? reject(error) : resolve(response ?? { status: "" })));
      });

    it("checks the overall status", async () => {
      expect(await check("")).toEqual({ status: "SERVING" });
    });

    it("gets NOT_FOUND for an unknown service", async () => {
      await expect(check("nope")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    });

    it("watches changes and frees the watcher when the call is cancelled", async () => {
      const call = js.Watch({ service: "" });
      const received: string[] = [];
      call.on("error", () => undefined);
      call.on("data", (response: { status: string }) => {
        received.push(response.status);
        if (received.length === 1) health.setStatus("", ServingStatus.NOT_SERVING);
      });
      await eventually(() => received.length === 2);
      expect(received).toEqual(["SERVING", "NOT_SERVING"]);
      call.cancel();
      await eventually(() => health.watcherCount() === 0);
    });
  });
});
