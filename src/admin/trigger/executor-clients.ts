import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { create } from "@bufbuild/protobuf";
import { ExecutorService, KillRequestSchema } from "../../gen/jobwire/v1/executor_service_pb.js";
import { APP_NAME_HEADER, AUTHORIZATION_HEADER, bearer } from "../../shared/metadata.js";
import { guardHttp2ClientSessions } from "../../shared/net/index.js";
import { LoopAwareDeadline } from "./loop-aware-deadline.js";

export type ExecutorClient = Client<typeof ExecutorService>;

/** Credentials of the group whose executor is called; sent on every call (the executor checks them). */
export interface GroupCredentials {
  readonly appName: string;
  readonly accessToken: string;
}

/** What an executor call is made with: the group's credentials and the deadline's signal. */
export interface ExecutorCallOptions {
  readonly headers: Record<string, string>;
  readonly signal: AbortSignal;
}

/**
 * One gRPC client per executor address, sharing one HTTP/2 connection per address. Clients are cached because
 * a connection per trigger would cost a TCP and HTTP/2 handshake on the hot path. `close()` aborts every
 * connection so that the admin can stop without waiting for idle timeouts.
 */
export class ExecutorClients {
  private readonly clients = new Map<string, { client: ExecutorClient; sessions: Http2SessionManager }>();

  constructor() {
    // An executor restarting must not crash the admin through connect-node's GOAWAY race (see the guard).
    guardHttp2ClientSessions();
  }

  get(address: string): ExecutorClient {
    const cached = this.clients.get(address);
    if (cached !== undefined) return cached.client;
    const sessions = new Http2SessionManager(address, { pingIntervalMs: 15_000, pingTimeoutMs: 5_000, idleConnectionTimeoutMs: 60_000 });
    const client = createClient(ExecutorService, createGrpcTransport({ baseUrl: address, sessionManager: sessions }));
    // Unbounded growth would leak connections when executors come and go with new addresses (containers).
    if (this.clients.size >= 1_000) this.closeAll();
    this.clients.set(address, { client, sessions });
    return client;
  }

  /**
   * Calls the executor at `address` with the group's credentials, under a deadline that does not expire for an
   * answer that has already arrived while the admin's event loop was busy (`LoopAwareDeadline`): every unary call
   * to an executor (Run, RunBatch, the routing probes, Kill) goes through here. A timeout is DEADLINE_EXCEEDED;
   * any other failure is the call's ConnectError.
   */
  async call<T>(address: string, credentials: GroupCredentials, timeoutMs: number, rpc: (client: ExecutorClient, options: ExecutorCallOptions) => Promise<T>): Promise<T> {
    const client = this.get(address);
    const { headers } = ExecutorClients.callOptions(credentials, timeoutMs);
    const deadline = new LoopAwareDeadline(timeoutMs);
    try {
      return await rpc(client, { headers, signal: deadline.signal });
    } catch (error) {
      throw deadline.expired ? new ConnectError("the operation timed out", Code.DeadlineExceeded) : ConnectError.from(error);
    } finally {
      deadline.clear();
    }
  }

  /** Asks the executor at `address` to kill one run; resolves whether it had the run and stopped it. */
  async killRun(address: string, credentials: GroupCredentials, timeoutMs: number, runId: number, reason: string): Promise<boolean> {
    const request = create(KillRequestSchema, { target: { case: "runId", value: BigInt(runId) }, reason });
    const reply = await this.call(address, credentials, timeoutMs, (client, options) => client.kill(request, options));
    return reply.killedRunIds.includes(BigInt(runId));
  }

  /** Call options carrying the group's credentials and a plain deadline (for streams such as a one-shot log read). */
  static callOptions(credentials: GroupCredentials, timeoutMs: number): { headers: Record<string, string>; timeoutMs: number } {
    return { headers: { [APP_NAME_HEADER]: credentials.appName, [AUTHORIZATION_HEADER]: bearer(credentials.accessToken) }, timeoutMs };
  }

  closeAll(): void {
    for (const { sessions } of this.clients.values()) sessions.abort();
    this.clients.clear();
  }
}
