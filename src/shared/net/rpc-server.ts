import type { connectNodeAdapter } from "@connectrpc/connect-node";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

/** The HTTP/2 connection preface every prior-knowledge (h2c) client starts with. */
const H2_PREFACE = "PRI * HTTP/2.0";

export interface RpcServerOptions {
  /** Request handler, e.g. the result of connect-node's `connectNodeAdapter`. */
  readonly handler: ReturnType<typeof connectNodeAdapter>;
  readonly host: string;
  /** 0 picks a free port; read the chosen one from `RpcServer.port`. */
  readonly port: number;
  /**
   * Interval of the HTTP/2 PINGs that detect dead peers (a frozen or vanished client keeps a half-open TCP
   * connection forever otherwise). Node's `session.ping()` has no timeout of its own, so a session whose ping is
   * not answered within `pingTimeoutMs` is destroyed, which aborts every stream on it.
   */
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** Serve HTTP/2 over TLS (HTTP/1.1 through ALPN) instead of cleartext; with `requireClientCert`, mutual TLS. */
  readonly tls?: RpcServerTls | undefined;
  /**
   * Plain `GET` routes served beside the RPCs on the same port, by exact path (e.g. `/metrics`), over HTTP/1.1
   * and HTTP/2 alike. Every other request goes to `handler`.
   */
  readonly httpRoutes?: ReadonlyMap<string, HttpGetRoute> | undefined;
}

/** Answers one plain HTTP GET; it sees the request headers (say, for a bearer token) and returns the whole reply. */
export type HttpGetRoute = (headers: http.IncomingHttpHeaders) => Promise<HttpRouteReply> | HttpRouteReply;

export interface HttpRouteReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RpcServerTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly ca?: string | Buffer | undefined;
  readonly requireClientCert: boolean;
}

export interface RpcServer {
  readonly port: number;
  readonly url: string;
  /**
   * Stops accepting connections, asks every HTTP/2 session to finish its streams (GOAWAY) and resolves when
   * all connections are gone. After `forceAfterMs` the remaining ones are destroyed.
   */
  close(forceAfterMs?: number): Promise<void>;
}

/**
 * Serves gRPC, gRPC-Web and Connect on one port. In cleartext, Node's HTTP/2 server cannot speak HTTP/1.1 and
 * browsers never use h2c, so the first bytes of each connection are inspected: the HTTP/2 preface goes to an
 * HTTP/2 server, anything else to an HTTP/1.1 server, both running the same handler. With TLS, ALPN makes that
 * choice and Node's secure server does it alone.
 */
export async function startRpcServer(input: RpcServerOptions): Promise<RpcServer> {
  const options = { ...input, handler: withHttpRoutes(input.handler, input.httpRoutes) };
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  let h1: http.Server | undefined;
  let h2: http2.Http2Server | http2.Http2SecureServer;
  let listener: net.Server;
  const { tls } = options;
  if (tls === undefined) {
    const cleartext = http2.createServer({}, options.handler);
    // The adapter's handler accepts both request kinds; Node's HTTP/1.1 typings only ask for the narrower one.
    const h1Server = http.createServer(options.handler as http.RequestListener);
    h1Server.keepAliveTimeout = 5_000;
    h1 = h1Server;
    h2 = cleartext;
    listener = net.createServer((socket) => {
      track(socket);
      socket.once("readable", () => routeSocket(socket, h1Server, cleartext));
      socket.on("error", () => socket.destroy());
    });
  } else {
    const secure = http2.createSecureServer(
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
    secure.on("connection", track);
    // A failed handshake (say, a caller without a client certificate) is the caller's problem, not the server's.
    secure.on("tlsClientError", () => {});
    h2 = secure;
    listener = secure;
  }
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    const timer = setInterval(() => pingSession(session, options.pingTimeoutMs), options.pingIntervalMs);
    timer.unref();
    session.on("close", () => {
      clearInterval(timer);
      sessions.delete(session);
    });
    session.on("error", () => session.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port, options.host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const address = listener.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const hostForUrl = options.host.includes(":") ? `[${options.host}]` : options.host;
  const scheme = tls === undefined ? "http" : "https";

  return {
    port,
    url: `${scheme}://${hostForUrl === "0.0.0.0" || hostForUrl === "[::]" ? "127.0.0.1" : hostForUrl}:${port}`,
    close: async (forceAfterMs = 5_000) => {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const session of sessions) session.close();
      h1?.closeIdleConnections();
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

type Handler = RpcServerOptions["handler"];

/** Puts the plain GET routes in front of the RPC handler; without routes the handler is returned unchanged. */
function withHttpRoutes(handler: Handler, routes: ReadonlyMap<string, HttpGetRoute> | undefined): Handler {
  if (routes === undefined || routes.size === 0) return handler;
  return (req, res) => {
    const route = req.method === "GET" || req.method === "HEAD" ? routes.get((req.url ?? "/").split("?")[0] ?? "/") : undefined;
    if (route === undefined) {
      handler(req, res);
      return;
    }
    const send = (reply: HttpRouteReply): void => {
      // Both response kinds share these methods; Node's typings keep the HTTP/1.1 and HTTP/2 ones apart.
      const out = res as http.ServerResponse;
      out.writeHead(reply.status, { ...reply.headers, "content-length": Buffer.byteLength(reply.body) });
      out.end(req.method === "HEAD" ? undefined : reply.body);
    };
    Promise.resolve()
      .then(() => route(req.headers))
      .then(send, (error: unknown) => send({ status: 500, headers: { "content-type": "text/plain; charset=utf-8" }, body: `${error instanceof Error ? error.message : String(error)}\n` }));
  };
}

function routeSocket(socket: net.Socket, h1: http.Server, h2: http2.Http2Server): void {
  const head: Buffer | null = socket.read(H2_PREFACE.length) as Buffer | null;
  // A peer that sent fewer bytes than the preface is waited for: read() returns null until enough arrived.
  if (head === null) {
    const pending: Buffer | null = socket.read() as Buffer | null;
    if (pending === null) {
      socket.once("readable", () => routeSocket(socket, h1, h2));
      return;
    }
    socket.unshift(pending);
    if (pending.length < H2_PREFACE.length && H2_PREFACE.startsWith(pending.toString("latin1"))) {
      socket.once("readable", () => routeSocket(socket, h1, h2));
      return;
    }
    h1.emit("connection", socket);
    return;
  }
  socket.unshift(head);
  (head.toString("latin1") === H2_PREFACE ? h2 : h1).emit("connection", socket);
}

function pingSession(session: http2.ServerHttp2Session, timeoutMs: number): void {
  if (session.closed || session.destroyed) return;
  const timeout = setTimeout(() => session.destroy(), timeoutMs);
  timeout.unref();
  try {
    session.ping(() => clearTimeout(timeout));
  } catch {
    // ping() throws when the session is closing; the close handler cleans up.
    clearTimeout(timeout);
  }
}
