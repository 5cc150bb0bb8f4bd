import http2 from "node:http2";

/** One sample of a scrape: `name{labels} value`. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = new Map([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (wanted.every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

/** The metric families a scrape declares (`# TYPE name kind`). */
export function families(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

/** GET over prior-knowledge HTTP/2 (h2c), the way gRPC clients reach the same port. */
export async function getOverH2c(url: string, path: string): Promise<{ status: number; body: string }> {
  const session = http2.connect(url);
  try {
    return await new Promise((resolve, reject) => {
      const request = session.request({ ":path": path, ":method": "GET" });
      let status = 0;
      let body = "";
      request.on("response", (headers) => (status = Number(headers[":status"])));
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => resolve({ status, body }));
      request.on("error", reject);
      request.end();
    });
  } finally {
    session.close();
  }
}
