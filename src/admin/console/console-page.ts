import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

type FallbackArgs = Parameters<NonNullable<ConnectNodeAdapterOptions["fallback"]>>;
type Request = FallbackArgs[0];
type Response = FallbackArgs[1];

/** Content types of the files a Vite build emits. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Where the built console is: `dist/console` at the package root. This module runs from `src/admin/console` (tsx)
 * or from `dist/admin/console` (compiled), so both relative locations are tried; JOBWIRE_CONSOLE_DIR overrides.
 */
export function findConsoleDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [env["JOBWIRE_CONSOLE_DIR"], path.resolve(here, "../../../dist/console"), path.resolve(here, "../../console")];
  return candidates.find((dir): dir is string => dir !== undefined && dir !== "" && existsSync(path.join(dir, "index.html")));
}

/**
 * Serves the web console on every request that is not an RPC: the built static files, with `index.html` for any
 * other GET path so that the single-page app's deep links and reloads work. Hashed assets are cached for a year,
 * `index.html` never (it names the current assets). Without a build, a page says how to make one.
 */
export function createConsoleHandler(consoleDir?: string): (req: Request, res: Response) => void {
  return (req, res) => {
    // Looked up per request (a stat and a small read) so that a console built while the admin runs is served.
    const found = consoleDir ?? findConsoleDir();
    const root = found === undefined ? undefined : path.resolve(found);
    const index = root === undefined ? undefined : readIndex(root);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found\n");
      return;
    }
    if (root === undefined || index === undefined) {
      send(req, res, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }, Buffer.from(NOT_BUILT_PAGE));
      return;
    }
    const file = resolveFile(root, req.url ?? "/");
    if (file !== undefined) {
      const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
      const immutable = file.startsWith(path.join(root, "assets") + path.sep);
      send(req, res, { "content-type": type, "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache" }, readFileSync(file));
      return;
    }
    const pathname = pathnameOf(req.url ?? "/");
    // A missing asset (a file name with an extension) is a real 404; any other path is a page of the app.
    if (pathname === undefined || path.extname(pathname) !== "") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found\n");
      return;
    }
    send(req, res, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache", "x-frame-options": "DENY" }, index);
  };
}

/** Answers 200 with `body` (headers only for HEAD). */
function send(req: Request, res: Response, headers: Record<string, string>, body: Buffer): void {
  res.writeHead(200, { ...headers, "content-length": String(body.length), "x-content-type-options": "nosniff" });
  if (req.method === "HEAD") res.end();
  else res.end(body);
}

/** The admin's non-RPC request handler: the console from the package's `dist/console`. */
export const serveConsolePage: (req: Request, res: Response) => void = createConsoleHandler();

function readIndex(root: string): Buffer | undefined {
  try {
    return readFileSync(path.join(root, "index.html"));
  } catch {
    return undefined;
  }
}

function pathnameOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url, "http://console").pathname);
  } catch {
    return undefined;
  }
}

/** The regular file under `root` that a URL names, never anything outside `root`. */
function resolveFile(root: string, url: string): string | undefined {
  const pathname = pathnameOf(url);
  if (pathname === undefined || pathname === "/" || pathname.includes("\0")) return undefined;
  const file = path.resolve(root, "." + pathname);
  if (!file.startsWith(root + path.sep)) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jobwire admin</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; line-height: 1.5">
<h1>jobwire admin</h1>
<p>This port serves the jobwire API over gRPC (h2c), gRPC-Web and Connect, with gRPC health and server reflection.</p>
<p>The web console is not built. Build it with <code>npm run build:console</code> (or <code>npm run build</code>) and
restart the admin; <code>npm start</code> does this by itself when the build is missing.</p>
</body></html>
`;
