import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleHandler } from "../../../src/admin/console/console-page.js";

interface Reply {
  status: number;
  type: string | undefined;
  cache: string | undefined;
  body: string;
}

/** Serves a console handler on a real socket and fetches from it, as a browser would. */
async function serve(consoleDir: string | undefined): Promise<{ get: (url: string, method?: string) => Promise<Reply>; close: () => Promise<void> }> {
  const handler = createConsoleHandler(consoleDir);
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    get: async (url, method = "GET") =>
      new Promise<Reply>((resolve, reject) => {
        // Raw paths (no URL normalisation) so that traversal attempts reach the handler as sent.
        const req = http.request({ host: "127.0.0.1", port, path: url, method }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], cache: res.headers["cache-control"], body }));
        });
        req.on("error", reject);
        req.end();
      }),
    close: async () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("console page handler", () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "jobwire-console-page-"));
    dir = path.join(root, "console");
    await mkdir(path.join(dir, "assets"), { recursive: true });
    await writeFile(path.join(dir, "index.html"), "<!doctype html><title>console</title>");
    await writeFile(path.join(dir, "assets", "index-abc123.js"), "console.log(1)");
    await writeFile(path.join(dir, "assets", "index-abc123.css"), "body{}");
    await writeFile(path.join(root, "secret.txt"), "outside");
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("serves built files with their content types, hashed assets cached for good", async () => {
    const server = await serve(dir);
    try {
      const js = await server.get("/assets/index-abc123.js");
      expect([js.status, js.type, js.cache, js.body]).toEqual([200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "console.log(1)"]);
      const css = await server.get("/assets/index-abc123.css");
      expect([css.status, css.type]).toEqual([200, "text/css; charset=utf-8"]);
      const index = await server.get("/");
      expect([index.status, index.type, index.cache, index.body]).toEqual([200, "text/html; charset=utf-8", "no-cache", "<!doctype html><title>console</title>"]);
    } finally {
      await server.close();
    }
  });

  it("answers index.html for the app's deep links and 404 for missing files and other methods", async () => {
    const server = await serve(dir);
    try {
      for (const url of ["/jobs", "/runs/42", "/jobs/7/glue?x=1"]) {
        const page = await server.get(url);
        expect([url, page.status, page.type, page.body]).toEqual([url, 200, "text/html; charset=utf-8", "<!doctype html><title>console</title>"]);
      }
      expect((await server.get("/assets/missing-1.js")).status).toBe(404);
      expect((await server.get("/favicon.ico")).status).toBe(404);
      expect((await server.get("/jobs", "POST")).status).toBe(404);
      const head = await server.get("/", "HEAD");
      expect([head.status, head.body]).toEqual([200, ""]);
    } finally {
      await server.close();
    }
  });

  it("never serves a file outside the console folder", async () => {
    const server = await serve(dir);
    try {
      for (const url of ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e%2f%2e%2e%2fsecret.txt"]) {
        const reply = await server.get(url);
        expect([url, reply.body]).not.toEqual([url, "outside"]);
        expect(reply.body).not.toContain("outside");
      }
    } finally {
      await server.close();
    }
  });

  it("explains how to build the console when there is no build", async () => {
    const server = await serve(path.join(root, "no-such-build"));
    try {
      const page = await server.get("/");
      expect(page.status).toBe(200);
      expect(page.body).toContain("npm run build:console");
    } finally {
      await server.close();
    }
  });
});
