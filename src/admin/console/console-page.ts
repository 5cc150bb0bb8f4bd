import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";

type FallbackArgs = Parameters<NonNullable<ConnectNodeAdapterOptions["fallback"]>>;

/**
 * Answers requests that are not RPCs. The web console is served here once it exists; until then the root path
 * explains how to reach the API, so `npm start` shows something useful instead of a bare 404.
 */
export function serveConsolePage(req: FallbackArgs[0], res: FallbackArgs[1]): void {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "GET" && (path === "/" || path === "/index.html")) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(PAGE);
    return;
  }
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
  res.end("not found\n");
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jobwire admin</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; line-height: 1.5">
<h1>jobwire admin</h1>
<p>This port serves the jobwire API over gRPC (h2c), gRPC-Web and Connect, with gRPC health and server reflection.</p>
<p>The web console page is not built yet. Until then, drive the admin with any gRPC client, for example:</p>
<pre>buf curl --http2-prior-knowledge --list-services ${"$"}{ADMIN_URL}</pre>
<p>See the README for the full API walkthrough.</p>
</body></html>
`;
