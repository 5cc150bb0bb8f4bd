/**
 * A real HTTP server on a random local port that records every request and answers by path:
 * `/ok` 204, `/fail` 500 with a text body, `/redirect` 302 to `/ok`, `/hang` never (until the client gives up),
 * anything else 200.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, exactly as it arrived, for signature checks. */
  readonly body: string;
}

export interface HttpSink {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startHttpSink(): Promise<HttpSink> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      requests.push({ method: req.method ?? "", path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      switch (path.split("?")[0]) {
        case "/ok":
          res.writeHead(204).end();
          return;
        case "/fail":
          res.writeHead(500, { "content-type": "text/plain" }).end("database unavailable");
          return;
        case "/redirect":
          res.writeHead(302, { location: "/ok" }).end();
          return;
        case "/hang":
          hanging.add(res);
          return;
        default:
          res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
