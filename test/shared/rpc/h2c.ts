import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";

export interface TestServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a real cleartext HTTP/2 (h2c) server on 127.0.0.1 with a free port, serving gRPC, gRPC-Web and Connect.
 * `server.close()` waits for every HTTP/2 session and clients keep idle sessions open for minutes, so the sessions
 * are tracked and closed explicitly; otherwise the suite's afterAll would time out.
 */
export async function startH2cServer(routes: (router: ConnectRouter) => void): Promise<TestServer> {
  const server = http2.createServer({}, connectNodeAdapter({ routes, grpc: true, grpcWeb: true, connect: true }));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      await closed;
    },
  };
}
