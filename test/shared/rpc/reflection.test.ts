import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import type { DescFile, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
  file_google_protobuf_descriptor,
  file_google_protobuf_timestamp,
  timestampFromMs,
} from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as v1 from "../../../src/gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../../src/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createHealthService, registerReflection } from "../../../src/shared/rpc/index.js";
import { startH2cServer, type TestServer } from "./h2c.js";

const BUF = fileURLToPath(new URL("../../../node_modules/.bin/buf", import.meta.url));
const run = promisify(execFile);

/**
 * A small demo schema built at run time, so the suite depends on no jobwire proto. It imports two well-known types
 * and declares a custom option, which exercises transitive dependencies and extension lookups.
 */
function demoClockFile(): DescFile {
  const field = (name: string, number: number, type: Type, extra: { typeName?: string; oneofIndex?: number } = {}) => ({
    name, number, type, label: Label.OPTIONAL, jsonName: name, ...extra,
  });
  const proto = create(FileDescriptorProtoSchema, {
    name: "demo/v1/clock.proto",
    package: "demo.v1",
    syntax: "proto3",
    dependency: ["google/protobuf/timestamp.proto", "google/protobuf/descriptor.proto"],
    messageType: [
      { name: "NowRequest", field: [field("zone", 1, Type.STRING)] },
      {
        name: "NowResponse",
        field: [
          field("now", 1, Type.MESSAGE, { typeName: ".google.protobuf.Timestamp" }),
          field("mode", 2, Type.ENUM, { typeName: ".demo.v1.Mode" }),
          field("label", 3, Type.STRING, { oneofIndex: 0 }),
        ],
        oneofDecl: [{ name: "detail" }],
        nestedType: [{ name: "Skew", field: [field("millis", 1, Type.INT64)] }],
      },
    ],
    enumType: [{ name: "Mode", value: [{ name: "MODE_UNSPECIFIED", number: 0 }, { name: "MODE_FAST", number: 1 }] }],
    // Extensions carry no json_name: Go's descriptor validation (inside buf curl) rejects an explicit one.
    extension: [{ name: "clock_label", number: 50001, type: Type.STRING, label: Label.OPTIONAL, extendee: ".google.protobuf.MessageOptions" }],
    service: [{ name: "ClockService", method: [{ name: "Now", inputType: ".demo.v1.NowRequest", outputType: ".demo.v1.NowResponse" }] }],
  });
  const imports = new Map([file_google_protobuf_timestamp, file_google_protobuf_descriptor].map((f) => [f.proto.name, f]));
  const file = createFileRegistry(proto, (name) => imports.get(name)).getFile("demo/v1/clock.proto");
  if (file === undefined) throw new Error("demo schema did not build");
  return file;
}

type Request = MessageInitShape<typeof v1.ServerReflectionRequestSchema>;

async function* each<T>(items: readonly T[]): AsyncIterable<T> {
  for (const item of items) yield await Promise.resolve(item);
}

/** File names carried by one response, in order; an error response yields its code instead. */
function filesOf(response: v1.ServerReflectionResponse | v1alpha.ServerReflectionResponse): string[] | number {
  const r = response.messageResponse;
  if (r.case === "errorResponse") return r.value.errorCode;
  if (r.case !== "fileDescriptorResponse") throw new Error(`unexpected response ${String(r.case)}`);
  return r.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
}

describe("reflection", () => {
  let server: TestServer;
  let clockFile: DescFile;

  beforeAll(async () => {
    clockFile = demoClockFile();
    const health = createHealthService();
    const now = clockFile.services[0]?.methods[0];
    const nowResponse = clockFile.messages.find((m) => m.name === "NowResponse");
    if (now?.methodKind !== "unary" || nowResponse === undefined) throw new Error("demo schema is incomplete");
    server = await startH2cServer((router) => {
      registerReflection(router, [clockFile]);
      health.register(router);
      // The schema exists only at run time, so the method is asserted to the typed unary shape the router expects.
      router.rpc(now as DescMethodUnary, () => create(nowResponse, { now: timestampFromMs(86_400_000), mode: 1 }));
    });
  });

  afterAll(async () => {
    await server.close();
  });

  async function reflect(requests: readonly Request[]): Promise<v1.ServerReflectionResponse[]> {
    const client = createClient(v1.ServerReflection, createGrpcTransport({ baseUrl: server.url }));
    const out: v1.ServerReflectionResponse[] = [];
    for await (const response of client.serverReflectionInfo(each(requests))) out.push(response);
    return out;
  }

  describe("registerReflection()", () => {
    it("lists the router's services, the described files' services and reflection itself", async () => {
      const [response] = await reflect([{ host: "h", messageRequest: { case: "listServices", value: "" } }]);
      expect(response?.validHost).toBe("h");
      expect(response?.originalRequest?.messageRequest.case).toBe("listServices");
      const r = response?.messageResponse;
      expect(r?.case === "listServicesResponse" ? r.value.service.map((s) => s.name) : r).toEqual([
        "demo.v1.ClockService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ]);
    });

    it("sends the requested file first and each transitive dependency only once per stream", async () => {
      const symbol = (value: string): Request => ({ messageRequest: { case: "fileContainingSymbol", value } });
      const responses = await reflect([symbol("demo.v1.ClockService"), symbol("demo.v1.NowRequest"), symbol("google.protobuf.Timestamp")]);
      expect(responses.map(filesOf)).toEqual([
        ["demo/v1/clock.proto", "google/protobuf/timestamp.proto", "google/protobuf/descriptor.proto"],
        ["demo/v1/clock.proto"],
        ["google/protobuf/timestamp.proto"],
      ]);
    });

    it("serializes each file descriptor faithfully", async () => {
      const [response] = await reflect([{ messageRequest: { case: "fileByFilename", value: "demo/v1/clock.proto" } }]);
      const r = response?.messageResponse;
      const bytes = r?.case === "fileDescriptorResponse" ? r.value.fileDescriptorProto[0] : undefined;
      if (bytes === undefined) throw new Error("no descriptor returned");
      expect(fromBinary(FileDescriptorProtoSchema, bytes)).toEqual(clockFile.proto);
    });

    it.each([
      "demo.v1.ClockService",
      "demo.v1.ClockService.Now",
      "demo.v1.NowResponse",
      ".demo.v1.NowResponse",
      "demo.v1.NowResponse.Skew",
      "demo.v1.NowResponse.now",
      "demo.v1.NowResponse.detail",
      "demo.v1.Mode",
      "demo.v1.MODE_FAST",
      "demo.v1.clock_label",
    ])("finds the file that declares the symbol %s", async (value) => {
      const [response] = await reflect([{ messageRequest: { case: "fileContainingSymbol", value } }]);
      const files = response === undefined ? undefined : filesOf(response);
      expect(Array.isArray(files) ? files[0] : files).toBe("demo/v1/clock.proto");
    });

    it("answers NOT_FOUND in error_response for unknown names and keeps the stream open", async () => {
      const responses = await reflect([
        { messageRequest: { case: "fileContainingSymbol", value: "demo.v1.Nope" } },
        { messageRequest: { case: "fileByFilename", value: "nope.proto" } },
        { messageRequest: { case: "fileContainingExtension", value: { containingType: "google.protobuf.MessageOptions", extensionNumber: 1 } } },
        { messageRequest: { case: "allExtensionNumbersOfType", value: "demo.v1.Nope" } },
        { messageRequest: { case: "fileByFilename", value: "google/protobuf/timestamp.proto" } },
      ]);
      expect(responses.map(filesOf)).toEqual([5, 5, 5, 5, ["google/protobuf/timestamp.proto"]]);
    });

    it("answers INVALID_ARGUMENT for a request that asks nothing", async () => {
      const responses = await reflect([{ host: "" }]);
      expect(responses.map(filesOf)).toEqual([3]);
    });

    it("finds the file that declares an extension", async () => {
      const [response] = await reflect([
        { messageRequest: { case: "fileContainingExtension", value: { containingType: "google.protobuf.MessageOptions", extensionNumber: 50001 } } },
      ]);
      expect(response && filesOf(response)).toEqual(["demo/v1/clock.proto", "google/protobuf/timestamp.proto", "google/protobuf/descriptor.proto"]);
    });

    it("lists the extension numbers of a message type, empty when it has none", async () => {
      const responses = await reflect([
        { messageRequest: { case: "allExtensionNumbersOfType", value: "google.protobuf.MessageOptions" } },
        { messageRequest: { case: "allExtensionNumbersOfType", value: "demo.v1.NowRequest" } },
      ]);
      expect(responses.map((r) => (r.messageResponse.case === "allExtensionNumbersResponse" ? r.messageResponse.value : undefined))).toMatchObject([
        { baseTypeName: "google.protobuf.MessageOptions", extensionNumber: [50001] },
        { baseTypeName: "demo.v1.NowRequest", extensionNumber: [] },
      ]);
    });

    it("serves the same answers over grpc.reflection.v1alpha", async () => {
      const client = createClient(v1alpha.ServerReflection, createGrpcTransport({ baseUrl: server.url }));
      const out: v1alpha.ServerReflectionResponse[] = [];
      const requests = each([
        { messageRequest: { case: "fileContainingSymbol" as const, value: "grpc.health.v1.Health.Watch" } },
        { messageRequest: { case: "fileContainingSymbol" as const, value: "nope.Nope" } },
      ]);
      for await (const response of client.serverReflectionInfo(requests)) out.push(response);
      expect(out.map(filesOf)).toEqual([["grpc/health/v1/health.proto"], 5]);
    });
  });

  describe("registerReflection() as seen by the buf curl binary", () => {
    const curl = async (...args: string[]): Promise<string> =>
      (await run(BUF, ["curl", "--http2-prior-knowledge", ...args], { timeout: 20_000 })).stdout;

    it("lists the services through reflection", async () => {
      const out = await curl("--list-services", server.url);
      expect(out.trim().split("\n").sort()).toEqual([
        "demo.v1.ClockService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ]);
    });

    it("lists the methods through v1alpha reflection", async () => {
      const out = await curl("--reflect-protocol", "grpc-v1alpha", "--list-methods", server.url);
      expect(out.trim().split("\n")).toEqual(
        expect.arrayContaining(["demo.v1.ClockService/Now", "grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"]),
      );
    });

    it("calls Health/Check over gRPC with the schema taken from reflection alone", async () => {
      const out = await curl("--protocol", "grpc", "-d", "{}", `${server.url}/grpc.health.v1.Health/Check`);
      expect(JSON.parse(out)).toEqual({ status: "SERVING" });
    });

    it("resolves well-known type dependencies when calling a demo method", async () => {
      const out = await curl("--protocol", "grpc", "-d", "{}", `${server.url}/demo.v1.ClockService/Now`);
      expect(JSON.parse(out)).toEqual({ now: "1970-01-02T00:00:00Z", mode: "MODE_FAST" });
    });
  });
});
