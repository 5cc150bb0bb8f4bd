import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  AdminService,
  CallbackRejectionSchema,
  CallbackResponseSchema,
  RegistryRemoveResponseSchema,
  RegistryResponseSchema,
  type RegistryRemoveRequest,
  type RegistryRequest,
  type RunResult,
} from "../../src/gen/jobwire/v1/admin_service_pb.js";
import { APP_NAME_HEADER, AUTHORIZATION_HEADER, parseBearer } from "../../src/shared/metadata.js";
import type { ResolvedTlsOptions } from "../../src/executor/tls-options.js";
import { startRpcServer, type RpcServer } from "../../src/shared/net/index.js";

/** What the fake admin does with results: store and ack them, or swallow them without answering. */
export type AckMode = "ack" | "hold";

export interface FakeAdmin {
  readonly url: string;
  readonly port: number;
  readonly registrations: RegistryRequest[];
  readonly removals: RegistryRemoveRequest[];
  /** Every result received, re-sent ones included, in arrival order. */
  readonly received: RunResult[];
  /** Results stored (and acked), by run id. */
  readonly stored: Map<number, RunResult>;
  /** Number of results in each Callback message. */
  readonly batchSizes: number[];
  /** Kills the server; open streams are cut after a few milliseconds. */
  close(): Promise<void>;
}

export interface FakeAdminOptions {
  readonly appName: string;
  readonly accessToken: string;
  readonly port?: number;
  readonly ackMode?: AckMode;
  /** Returns a reason to reject a result for good instead of storing it. */
  readonly reject?: (runId: number) => string | undefined;
  /** Serve TLS (mutual when `requireClientCert`) instead of h2c. */
  readonly tls?: ResolvedTlsOptions;
  /** How far this admin's clock (its `server_time`) is ahead of the machine's. */
  readonly clockOffsetMs?: number;
}

/**
 * A minimal `AdminService` over real HTTP/2 for the executor tests: it checks the group credentials like the
 * real admin, records registrations, and stores results before acking them (or never acks, to simulate an admin
 * that dies mid-stream).
 */
export async function startFakeAdmin(options: FakeAdminOptions): Promise<FakeAdmin> {
  const registrations: RegistryRequest[] = [];
  const removals: RegistryRemoveRequest[] = [];
  const received: RunResult[] = [];
  const stored = new Map<number, RunResult>();
  const batchSizes: number[] = [];
  const handler = connectNodeAdapter({
    interceptors: [
      (next) => async (req) => {
        const token = parseBearer(req.header.get(AUTHORIZATION_HEADER));
        if (token !== options.accessToken || req.header.get(APP_NAME_HEADER) !== options.appName) {
          throw new ConnectError("bad executor credentials", Code.Unauthenticated);
        }
        return next(req);
      },
    ],
    routes: (router) =>
      router.service(AdminService, {
        registry(req) {
          registrations.push(req);
          return create(RegistryResponseSchema, { beatInterval: durationFromMs(30_000), deadTimeout: durationFromMs(90_000), serverTime: timestampFromMs(Date.now() + (options.clockOffsetMs ?? 0)) });
        },
        registryRemove(req) {
          removals.push(req);
          return create(RegistryRemoveResponseSchema, { removed: true });
        },
        async *callback(requests) {
          for await (const batch of requests) {
            received.push(...batch.results);
            batchSizes.push(batch.results.length);
            if (options.ackMode === "hold") continue;
            const response = create(CallbackResponseSchema, {});
            for (const result of batch.results) {
              const reason = options.reject?.(Number(result.runId));
              if (reason !== undefined) {
                response.rejections.push(create(CallbackRejectionSchema, { runId: result.runId, reason }));
                continue;
              }
              stored.set(Number(result.runId), result);
              response.ackedRunIds.push(result.runId);
            }
            yield response;
          }
        },
      }),
  });
  const serverOptions = { handler, host: "127.0.0.1", port: options.port ?? 0, pingIntervalMs: 10_000, pingTimeoutMs: 5_000 };
  const server: RpcServer = await startRpcServer({ ...serverOptions, tls: options.tls });
  return { url: server.url, port: server.port, registrations, removals, received, stored, batchSizes, close: () => server.close(20) };
}
