import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { HttpGetRoute } from "./rpc-server.js";

/** Something that renders Prometheus exposition text. */
export interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * The `GET /metrics` route. Without a token it is public, like most exporters (it shows counts and timings, no
 * job data); with one, scrapes must send `authorization: Bearer <token>` and anything else gets 401.
 */
export function metricsRoute(source: MetricsSource, token: string | undefined): HttpGetRoute {
  return async (headers) => {
    if (token !== undefined && !bearerMatches(headers, token)) {
      return { status: 401, headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"' }, body: "metrics need a bearer token\n" };
    }
    const { contentType, body } = await source.render();
    return { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" }, body };
  };
}

function bearerMatches(headers: IncomingHttpHeaders, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "");
  if (match?.[1] === undefined) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  // Compared in constant time like every other credential of jobwire.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
