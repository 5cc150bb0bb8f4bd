import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { mkdtemp } from "node:fs/promises";
import type { SecureClientSessionOptions } from "node:http2";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExecutorService, RunRequestSchema, type RunRequest } from "../../src/gen/jobwire/v1/executor_service_pb.js";
import { createExecutorWithInternals, type Executor, type ExecutorInternals } from "../../src/executor/executor.js";
import type { ExecutorOptions } from "../../src/executor/index.js";
import { APP_NAME_HEADER, AUTHORIZATION_HEADER, bearer } from "../../src/shared/metadata.js";
import { silentLogger } from "../../src/shared/logger.js";

export const APP_NAME = "demo-app";
export const ACCESS_TOKEN = "executor-test-token";

export async function makeLogDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "jobwire-executor-"));
}

/** A real executor on 127.0.0.1 and a free port, with short internal timings so the tests stay fast. */
export function testExecutor(adminAddresses: string[], logDir: string, overrides: Partial<ExecutorOptions> = {}, internals: ExecutorInternals = {}): Executor {
  return createExecutorWithInternals(
    { adminAddresses, appName: APP_NAME, accessToken: ACCESS_TOKEN, host: "127.0.0.1", port: 0, logDir, logger: silentLogger, ...overrides },
    { flushTimeoutMs: 2_000, abortGraceMs: 500, ...internals, reporter: { initialBackoffMs: 20, maxBackoffMs: 200, ...internals.reporter } },
  );
}

export interface ExecutorCaller {
  readonly client: Client<typeof ExecutorService>;
  close(): void;
}

/** A gRPC (h2c) client of an executor, sending the given credentials like the admin does. */
export function callExecutor(
  address: string,
  credentials: { appName?: string; token?: string } = { appName: APP_NAME, token: ACCESS_TOKEN },
  tls: SecureClientSessionOptions = {},
): ExecutorCaller {
  const sessions = new Http2SessionManager(address, {}, tls);
  const transport = createGrpcTransport({
    baseUrl: address,
    sessionManager: sessions,
    interceptors: [
      (next) => (req) => {
        if (credentials.token !== undefined) req.header.set(AUTHORIZATION_HEADER, bearer(credentials.token));
        if (credentials.appName !== undefined) req.header.set(APP_NAME_HEADER, credentials.appName);
        return next(req);
      },
    ],
  });
  return { client: createClient(ExecutorService, transport), close: () => sessions.abort() };
}

let nextRunId = 1_000;

/** A fresh run id, so that tests sharing an executor never collide on the duplicate guard. */
export function newRunId(): bigint {
  nextRunId += 1;
  return BigInt(nextRunId);
}

/** A BEAN `RunRequest` with sensible defaults: shard 0 of 1, triggered now, first attempt. */
export function runRequest(init: MessageInitShape<typeof RunRequestSchema>): RunRequest {
  return create(RunRequestSchema, { jobId: 1n, runId: newRunId(), shardIndex: 0, shardTotal: 1, triggerTime: timestampFromMs(Date.now()), ...init });
}
