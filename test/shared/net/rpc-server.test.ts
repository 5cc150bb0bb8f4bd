import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutorService, BeatResponseSchema } from "../../../src/gen/jobwire/v1/executor_service_pb.js";
import { startRpcServer, type RpcServer } from "../../../src/shared/net/index.js";

describe("startRpcServer()", () => {
  let server: RpcServer;

  beforeAll(async () => {
    const handler = connectNodeAdapter({
      routes: (router) => {
        router.service(ExecutorService, { beat: () => create(BeatResponseSchema, { sdkVersion: "test" }) });
      },
      fallback: (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("fallback");
      },
    });
    server = await startRpcServer({ handler, host: "127.0.0.1", port: 0, pingIntervalMs: 1_000, pingTimeoutMs: 1_000 });
  });

  afterAll(async () => {
    await server.close(100);
  });

  it("serves gRPC over h2c on the same port as HTTP/1.1", async () => {
    const client = createClient(ExecutorService, createGrpcTransport({ baseUrl: server.url }));
    expect((await client.beat({})).sdkVersion).toBe("test");
  });

  it("serves Connect and gRPC-Web over HTTP/1.1, as browsers use them", async () => {
    for (const transport of [createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }), createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1" })]) {
      const client = createClient(ExecutorService, transport);
      expect((await client.beat({})).sdkVersion).toBe("test");
    }
  });

  it("serves plain HTTP/1.1 requests through the fallback", async () => {
    const res = await fetch(`${server.url}/`);
    expect(await res.text()).toBe("fallback");
  });

  it("answers UNIMPLEMENTED for methods the service leaves out", async () => {
    const client = createClient(ExecutorService, createGrpcTransport({ baseUrl: server.url }));
    await expect(client.idleBeat({ jobId: 1n })).rejects.toSatisfy((e: unknown) => ConnectError.from(e).code === Code.Unimplemented);
  });
});
