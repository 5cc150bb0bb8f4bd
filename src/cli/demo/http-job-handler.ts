import type { JobHandler, RunContext } from "../../executor/index.js";
import type { HostAllowList } from "./host-allow-list.js";

/** The JSON param of `httpJobHandler`. */
interface HttpRequestParam {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly timeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_MS = 300_000;
const MAX_REDIRECTS = 5;
const LOGGED_BODY_BYTES = 64 * 1024;

/**
 * `httpJobHandler`: calls an HTTP endpoint described by the run's JSON param, e.g.
 * `{"url":"https://api.internal/report","method":"POST","headers":{"x-key":"…"},"body":{"day":"today"},"timeout":5000}`
 * (`body` may be a string or any JSON value, sent as JSON; `timeout` in ms, default 10 000). Every host, the
 * first one and each redirect target, must be on the allow-list; 2xx succeeds, 4xx (but 408 and 429) fails
 * without retry, anything else fails retryably.
 */
export function createHttpJobHandler(allowList: HostAllowList): JobHandler {
  // `ctx` is annotated so that TypeScript treats its never-returning `fail` calls as the end of a branch.
  return async (ctx: RunContext) => {
    const request = parseParam(ctx);
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = AbortSignal.any([ctx.signal, timeout]);
    let { url, method, body } = request;
    for (let hop = 0; ; hop += 1) {
      checkAllowed(ctx, allowList, url);
      ctx.log("%s %s", method, url.href);
      let response: Response;
      try {
        response = await fetch(url, { method, headers: request.headers, ...(body === undefined ? {} : { body }), redirect: "manual", signal });
      } catch (error) {
        if (ctx.signal.aborted) return; // killed or timed out by the executor: the result is already reported
        if (timeout.aborted) ctx.fail(`${method} ${url.href}: no answer within ${request.timeoutMs} ms`);
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
        ctx.fail(`${method} ${url.href} failed: ${cause}`);
      }
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        if (hop >= MAX_REDIRECTS) ctx.fail(`${method} ${request.url.href}: more than ${MAX_REDIRECTS} redirects`);
        url = new URL(location, url);
        // Like browsers: 303 (and 301/302 after a POST) continue as a GET without body.
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
        }
        continue;
      }
      const text = await readStart(response);
      ctx.log("HTTP %d %s, body: %s", response.status, response.statusText, text);
      const summary = `HTTP ${response.status} ${response.statusText} from ${method} ${url.href}`;
      if (response.ok) return summary;
      const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
      return retryable ? ctx.fail(summary) : ctx.failNonRetryable(summary);
    }
  };
}

function checkAllowed(ctx: RunContext, allowList: HostAllowList, url: URL): void {
  if (allowList.allows(url)) return;
  const host = url.port === "" ? url.hostname : `${url.hostname}:${url.port}`;
  ctx.failNonRetryable(
    allowList.isEmpty
      ? `httpJobHandler refuses host "${host}": the executor's HTTP allow-list is empty, so every host is refused; start it with --http-allow-hosts ${host} (or JOBWIRE_HTTP_ALLOW_HOSTS) to allow it`
      : `httpJobHandler refuses host "${host}": it is not in the executor's HTTP allow-list (${allowList.patterns.join(", ")}); add it with --http-allow-hosts (or JOBWIRE_HTTP_ALLOW_HOSTS)`,
  );
}

function parseParam(ctx: RunContext): HttpRequestParam {
  const example = '{"url":"https://api.internal/ping","method":"GET","timeout":5000}';
  let raw: unknown;
  try {
    raw = JSON.parse(ctx.param);
  } catch {
    ctx.failNonRetryable(`httpJobHandler param must be JSON such as ${example}; got ${JSON.stringify(ctx.param.slice(0, 200))}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) ctx.failNonRetryable(`httpJobHandler param must be a JSON object such as ${example}`);
  const param = raw as Record<string, unknown>;
  let url: URL | undefined;
  try {
    url = typeof param["url"] === "string" ? new URL(param["url"]) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) ctx.failNonRetryable(`param.url: ${JSON.stringify(param["url"])} must be an http(s) URL`);
  const method = param["method"] ?? "GET";
  if (typeof method !== "string" || !/^[A-Za-z]+$/.test(method)) ctx.failNonRetryable(`param.method: ${JSON.stringify(method)} must be an HTTP method such as "GET" or "POST"`);
  const headers = param["headers"] ?? {};
  if (typeof headers !== "object" || headers === null || Array.isArray(headers) || Object.values(headers).some((value) => typeof value !== "string")) {
    ctx.failNonRetryable('param.headers: must be an object of strings, e.g. {"authorization":"Bearer …"}');
  }
  const timeoutMs = param["timeout"] ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== "number" || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    ctx.failNonRetryable(`param.timeout: ${JSON.stringify(timeoutMs)} must be milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  const rawBody = param["body"];
  const jsonBody = rawBody !== undefined && typeof rawBody !== "string";
  const headerMap = { ...(headers as Record<string, string>) };
  if (jsonBody && !Object.keys(headerMap).some((name) => name.toLowerCase() === "content-type")) headerMap["content-type"] = "application/json";
  return {
    url,
    method: method.toUpperCase(),
    headers: headerMap,
    body: rawBody === undefined ? undefined : jsonBody ? JSON.stringify(rawBody) : rawBody,
    timeoutMs,
  };
}

/** The start of a response body for the log; the rest is not read (leaving the loop cancels the stream). */
async function readStart(response: Response): Promise<string> {
  if (response.body === null) return "";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    chunks.push(Buffer.from(chunk));
    size += chunk.byteLength;
    if (size >= LOGGED_BODY_BYTES) break;
  }
  const text = Buffer.concat(chunks).toString("utf8");
  return size > LOGGED_BODY_BYTES ? `${text.slice(0, LOGGED_BODY_BYTES)}… (cut)` : text;
}
