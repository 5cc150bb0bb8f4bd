/**
 * The hosts `httpJobHandler` may call, from `--http-allow-hosts` / `JOBWIRE_HTTP_ALLOW_HOSTS`. Entries are
 * `host` (any port), `host:port`, or `*.domain` (any subdomain of domain, not domain itself), compared without
 * regard to case; IPv6 literals go in brackets (`[::1]:8080`). An empty list allows nothing: the handler lets
 * whoever edits jobs make requests from inside this network, so every destination must be chosen on purpose.
 */
export class HostAllowList {
  private readonly entries: readonly { readonly host: string; readonly port: string | undefined; readonly wildcard: boolean }[];

  constructor(readonly patterns: readonly string[]) {
    this.entries = patterns.map(parseEntry);
  }

  /** Parses a comma-separated list, ignoring blanks. Throws naming a malformed entry. */
  static parse(list: string): HostAllowList {
    return new HostAllowList(list.split(",").map((entry) => entry.trim()).filter((entry) => entry !== ""));
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  allows(url: URL): boolean {
    const host = url.hostname.toLowerCase();
    const port = url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
    return this.entries.some((entry) => {
      if (entry.port !== undefined && entry.port !== port) return false;
      return entry.wildcard ? host.endsWith(`.${entry.host}`) : host === entry.host;
    });
  }
}

function parseEntry(pattern: string): { host: string; port: string | undefined; wildcard: boolean } {
  const text = pattern.trim().toLowerCase();
  const wildcard = text.startsWith("*.");
  let url: URL;
  try {
    url = new URL(`http://${wildcard ? text.slice(2) : text}`);
  } catch {
    throw new Error(`HTTP allow-list entry ${JSON.stringify(pattern)} is not a host, host:port or *.domain`);
  }
  if (url.pathname !== "/" || url.search !== "" || url.username !== "" || url.hostname === "") {
    throw new Error(`HTTP allow-list entry ${JSON.stringify(pattern)} must be a bare host, host:port or *.domain, without scheme or path`);
  }
  // URL drops a port equal to the scheme's default; an explicit ":80" is kept as written.
  const explicitPort = /:(\d+)$/.exec(text)?.[1];
  return { host: url.hostname, port: explicitPort, wildcard };
}
