import type { connectNodeAdapter } from "@connectrpc/connect-node";
import http2 from "node:http2";
import type { Socket } from "node:net";
import type { RpcServer } from "../shared/net/index.js";
import type { ResolvedTlsOptions } from "./tls-options.js";

export interface TlsRpcServerOptions {
  readonly handler: ReturnType<typeof connectNodeAdapter>;
  readonly host: string;
  readonly port: number;
  readonly tls: ResolvedTlsOptions;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

/**
 * The executor's server when TLS is configured: HTTP/2 over TLS, with HTTP/1.1 allowed through ALPN for
 * gRPC-Web and Connect clients. The shared one-port server (`src/shared/net`) only speaks cleartext, where the
 * protocol has to be sniffed from the first bytes; with TLS, ALPN makes that choice, so Node's secure server
 * does it alone. Dead peers are detected with PINGs as on the cleartext server.
 */
export async function startTlsRpcServer(options: TlsRpcServerOptions): Promise<RpcServer> {
  const { tls } = options;
  const server = http2.createSecureServer(
    {
      cert: tls.cert,
      key: tls.key,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      requestCert: tls.requireClientCert,
      rejectUnauthorized: tls.requireClientCert,
      allowHTTP1: true,
    },
    options.handler,
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("session", (session) => {
    sessions.add(session);
    const timer = setInterval(() => ping(session, options.pingTimeoutMs), options.pingIntervalMs);
    timer.unref();
    session.on("close", () => {
      clearInterval(timer);
      sessions.delete(session);
    });
    session.on("error", () => session.destroy());
  });
  // A failed handshake (say, a caller without a client certificate) is the caller's problem, not the server's.
  server.on("tlsClientError", () => {});

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    port,
    url: `https://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${port}`,
    close: async (forceAfterMs = 5_000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      const force = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, forceAfterMs);
      force.unref();
      await closed;
      clearTimeout(force);
    },
  };
}

function ping(session: http2.ServerHttp2Session, timeoutMs: number): void {
  if (session.closed || session.destroyed) return;
  const timeout = setTimeout(() => session.destroy(), timeoutMs);
  timeout.unref();
  try {
    session.ping(() => clearTimeout(timeout));
  } catch {
    // ping() throws when the session is closing; its close handler cleans up.
    clearTimeout(timeout);
  }
}
