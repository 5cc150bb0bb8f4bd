import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AdminService } from "../gen/jobwire/v1/admin_service_pb.js";
import { guardHttp2ClientSessions } from "../shared/net/index.js";
import { createClientAuthInterceptor, type GroupCredentials } from "./auth.js";
import type { ResolvedTlsOptions } from "./tls-options.js";

export type AdminClient = Client<typeof AdminService>;

/** One admin of the list, with its client. */
export interface AdminEndpoint {
  readonly url: string;
  readonly client: AdminClient;
}

/** Keepalive of the connections to the admins; a vanished admin is noticed within about 15 s. */
export interface AdminKeepalive {
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

export const DEFAULT_ADMIN_KEEPALIVE: AdminKeepalive = { pingIntervalMs: 10_000, pingTimeoutMs: 5_000 };

/**
 * One HTTP/2 connection and client per admin address, in the configured order, shared by registration and the
 * result stream. Keepalive PINGs matter most for the long-lived Callback stream: without them a half-open TCP
 * connection (admin host frozen or unplugged) would look healthy forever and results would wait on it.
 */
export class AdminConnections {
  readonly endpoints: readonly AdminEndpoint[];
  private readonly sessions: Http2SessionManager[] = [];

  /**
   * `tls` applies to `https://` admins only: its CA (if any) verifies them instead of the system CAs, and its
   * certificate is presented for mutual TLS.
   */
  constructor(addresses: readonly string[], credentials: GroupCredentials, keepalive: AdminKeepalive = DEFAULT_ADMIN_KEEPALIVE, tls?: ResolvedTlsOptions) {
    // An admin restarting must not crash the executor through connect-node's GOAWAY race (see the guard).
    guardHttp2ClientSessions();
    const auth = createClientAuthInterceptor(credentials);
    this.endpoints = addresses.map((url) => {
      const secure = tls !== undefined && url.startsWith("https:") ? { cert: tls.cert, key: tls.key, ...(tls.ca === undefined ? {} : { ca: tls.ca }) } : {};
      const sessions = new Http2SessionManager(url, { pingIntervalMs: keepalive.pingIntervalMs, pingTimeoutMs: keepalive.pingTimeoutMs }, secure);
      this.sessions.push(sessions);
      const transport = createGrpcTransport({ baseUrl: url, sessionManager: sessions, interceptors: [auth] });
      return { url, client: createClient(AdminService, transport) };
    });
  }

  /** Closes every connection, so that the process can exit without waiting for idle timeouts. */
  close(): void {
    for (const sessions of this.sessions) sessions.abort();
  }
}
