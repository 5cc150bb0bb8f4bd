import os from "node:os";
import path from "node:path";
import { createConsoleLogger, type Logger } from "../shared/logger.js";
import { resolveTlsOptions, type ExecutorTlsOptions, type ResolvedTlsOptions } from "./tls-options.js";

/**
 * Options of `createExecutor()`. `adminAddresses`, `appName` and `accessToken` are required.
 *
 * @example
 * ```ts
 * const options: ExecutorOptions = {
 *   adminAddresses: ["http://admin-1:8080", "http://admin-2:8080"],
 *   appName: "orders",
 *   accessToken: process.env.JOBWIRE_ACCESS_TOKEN ?? "",
 *   port: 9999,
 *   logDir: "/var/log/jobwire",
 * };
 * const executor = createExecutor(options);
 * ```
 */
export interface ExecutorOptions {
  /**
   * Base URLs of the admins, e.g. `["http://10.0.0.1:8080", "http://10.0.0.2:8080"]`. Every call goes to the
   * first admin that answers, in this order.
   * @example `adminAddresses: (process.env.JOBWIRE_ADMIN_ADDRESSES ?? "http://127.0.0.1:8080").split(",")`
   */
  adminAddresses: readonly string[];
  /**
   * App name of the executor group in the admin: 4–64 characters, lowercase letters, digits and `-`, starting
   * with a letter.
   * @example `appName: "orders-service"`
   */
  appName: string;
  /**
   * Access token of the executor group, as shown by the admin when the group was created. Never empty.
   * @example `accessToken: process.env.JOBWIRE_ACCESS_TOKEN ?? ""`
   */
  accessToken: string;
  /**
   * Interface the executor listens on.
   * @default "0.0.0.0"
   * @example `host: "127.0.0.1"`
   */
  host?: string;
  /**
   * Port of the executor's gRPC server. 0 picks a free port; read it from `executor.port` after `start()`.
   * @default 9999
   * @example `port: 0 // any free port; read executor.port after start()`
   */
  port?: number;
  /**
   * URL the admin uses to reach this executor, registered instead of the one derived from host and port. Set it
   * behind NAT or in containers, e.g. `"http://orders-7f9c.internal:9999"`.
   * @default `http://<host>:<port>`, or `http://<first non-internal IPv4>:<port>` when host is "0.0.0.0"
   * (`https://` with TLS)
   * @example `address: "http://orders-7f9c.internal:9999"`
   */
  address?: string;
  /**
   * Directory of the run logs (`<logDir>/yyyy-MM-dd/<runId>.log`), the GLUE sources (`<logDir>/gluesource/`)
   * and the results no admin acknowledged yet (`<logDir>/callback-spool/`, replayed at the next start). One
   * executor per directory.
   * @default "./data/executor-logs"
   * @example `logDir: "/var/log/jobwire"`
   */
  logDir?: string;
  /**
   * Day folders of run logs older than this many days are deleted once a day. 0 keeps them forever.
   * @default 30
   * @example `logRetentionDays: 7`
   */
  logRetentionDays?: number;
  /**
   * Allow GLUE runs (scripts sent by the admin). Off by default: GLUE means the admin can execute arbitrary
   * code on this machine.
   * @default false
   * @example `glueEnabled: process.env.JOBWIRE_GLUE === "on"`
   */
  glueEnabled?: boolean;
  /**
   * Serve the executor over TLS (the admin then calls `https://…`), and use the same certificate as client
   * certificate when calling `https://` admins. With `ca`, mutual TLS: callers must present a certificate
   * signed by it, and admins' certificates are verified against it.
   * @default cleartext HTTP/2 (h2c)
   * @example `tls: { cert: readFileSync("executor.crt"), key: readFileSync("executor.key"), ca: readFileSync("ca.crt") }`
   */
  tls?: ExecutorTlsOptions;
  /**
   * Prometheus metrics on `GET /metrics` of the executor's port (runs by outcome, running runs, queue depths).
   * Off by default; with `token`, scrapes must send `authorization: Bearer <token>`.
   * @default { enabled: false }
   * @example `metrics: { enabled: true, token: process.env.METRICS_TOKEN }`
   */
  metrics?: { enabled?: boolean; token?: string };
  /**
   * Interval of the registration heartbeat. The admin considers an executor dead after three missed beats.
   * @default 30000
   * @example `registryIntervalMs: 10_000`
   */
  registryIntervalMs?: number;
  /**
   * On `stop()`, how long running handlers may take to finish before they are aborted.
   * @default 5000
   * @example `shutdownGraceMs: 30_000 // long batch jobs get half a minute to finish on deploys`
   */
  shutdownGraceMs?: number;
  /**
   * Where the executor's own messages go (not the run logs).
   * @default a console logger at level "info"
   * @example `logger: { debug: () => {}, info: (m, f) => pino.info(f, m), warn: (m, f) => pino.warn(f, m), error: (m, f) => pino.error(f, m) }`
   */
  logger?: Logger;
}

/**
 * Options after validation, with every default applied (what `resolveExecutorOptions` returns).
 *
 * @example
 * ```ts
 * const resolved: ResolvedExecutorOptions = resolveExecutorOptions({ adminAddresses: ["http://admin:8080"], appName: "orders", accessToken: "t" });
 * console.log(resolved.port, resolved.logDir); // 9999 /current/dir/data/executor-logs
 * ```
 */
export interface ResolvedExecutorOptions {
  readonly adminAddresses: readonly string[];
  readonly appName: string;
  readonly accessToken: string;
  readonly host: string;
  readonly port: number;
  /** The explicitly configured public URL; undefined means derive it from host and the bound port. */
  readonly address: string | undefined;
  readonly logDir: string;
  readonly logRetentionDays: number;
  readonly glueEnabled: boolean;
  /** Undefined means cleartext. */
  readonly tls: ResolvedTlsOptions | undefined;
  readonly registryIntervalMs: number;
  readonly shutdownGraceMs: number;
  readonly logger: Logger;
  readonly metrics: { readonly enabled: boolean; readonly token: string | undefined };
}

const APP_NAME = /^[a-z][a-z0-9-]{3,63}$/;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set<keyof ExecutorOptions>([
  "adminAddresses",
  "appName",
  "accessToken",
  "host",
  "port",
  "address",
  "logDir",
  "logRetentionDays",
  "glueEnabled",
  "tls",
  "registryIntervalMs",
  "shutdownGraceMs",
  "logger",
  "metrics",
]);

/**
 * Validates the options and applies the defaults. It throws at once, naming the option and how to fix it,
 * because a misconfigured executor would otherwise only fail later, at its first registration. `createExecutor`
 * calls it; call it yourself to check a configuration without creating an executor.
 *
 * @example
 * ```ts
 * try {
 *   resolveExecutorOptions({ adminAddresses: ["admin:8080"], appName: "orders", accessToken: "t" });
 * } catch (error) {
 *   // Invalid executor option adminAddresses[0]: "admin:8080" is not an http(s) URL; use the admin's base URL …
 * }
 * ```
 */
export function resolveExecutorOptions(options: ExecutorOptions): ResolvedExecutorOptions {
  if (typeof options !== "object" || options === null) fail("options", "must be an object such as { adminAddresses, appName, accessToken }");
  // A misspelt option (say `adminAddress`) would otherwise be ignored silently and its default used instead.
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) fail(key, `is not an executor option; the options are ${[...KNOWN_OPTIONS].join(", ")}`);
  }
  if (!Array.isArray(options.adminAddresses) || options.adminAddresses.length === 0) {
    fail("adminAddresses", 'must list at least one admin base URL, e.g. ["http://127.0.0.1:8080"]');
  }
  const adminAddresses = options.adminAddresses.map((value, index) => normalizeUrl(`adminAddresses[${index}]`, value, "the admin's base URL such as \"http://127.0.0.1:8080\""));

  if (typeof options.appName !== "string" || !APP_NAME.test(options.appName)) {
    fail("appName", `${JSON.stringify(options.appName)} must be 4–64 characters of lowercase letters, digits and "-", starting with a letter, and equal the app name of the executor group in the admin`);
  }
  if (typeof options.accessToken !== "string" || options.accessToken.trim() === "") {
    fail("accessToken", "must be the executor group's access token shown by the admin; an empty token is refused, never treated as open");
  }

  const port = options.port ?? 9999;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail("port", `${String(port)} must be an integer from 0 to 65535 (0 picks a free port)`);

  const host = options.host ?? "0.0.0.0";
  if (typeof host !== "string" || host.trim() === "") fail("host", 'must be an interface address such as "0.0.0.0" or "127.0.0.1"');

  const address = options.address === undefined ? undefined : normalizeUrl("address", options.address, 'the URL the admin reaches this executor at, such as "http://10.0.0.5:9999"');

  const logRetentionDays = options.logRetentionDays ?? 30;
  if (!Number.isInteger(logRetentionDays) || (logRetentionDays !== 0 && logRetentionDays < 3)) {
    fail("logRetentionDays", `${String(logRetentionDays)} must be a whole number of days ≥ 3, or 0 to keep run logs forever`);
  }

  const registryIntervalMs = options.registryIntervalMs ?? 30_000;
  if (!Number.isInteger(registryIntervalMs) || registryIntervalMs < 100 || registryIntervalMs > 600_000) {
    fail("registryIntervalMs", `${String(registryIntervalMs)} must be milliseconds from 100 to 600000; the admin expects a beat every 30000`);
  }

  const shutdownGraceMs = options.shutdownGraceMs ?? 5_000;
  if (!Number.isInteger(shutdownGraceMs) || shutdownGraceMs < 0) fail("shutdownGraceMs", `${String(shutdownGraceMs)} must be milliseconds ≥ 0`);

  const logDir = options.logDir ?? "./data/executor-logs";
  if (typeof logDir !== "string" || logDir.trim() === "") fail("logDir", 'must be a directory path such as "./data/executor-logs"');

  const glueEnabled = options.glueEnabled ?? false;
  if (typeof glueEnabled !== "boolean") fail("glueEnabled", `${JSON.stringify(glueEnabled)} must be true or false`);

  const tls = options.tls === undefined ? undefined : resolveTlsOptions(options.tls, fail);
  if (tls !== undefined && address !== undefined && !address.startsWith("https:")) {
    fail("address", `${JSON.stringify(address)} must be an https:// URL when tls is set, because the executor then serves TLS only`);
  }

  const logger = options.logger ?? createConsoleLogger("jobwire-executor");
  if (typeof logger !== "object" || logger === null || (["debug", "info", "warn", "error"] as const).some((level) => typeof logger[level] !== "function")) {
    fail("logger", "must have debug, info, warn and error methods taking (message, fields)");
  }

  return {
    adminAddresses,
    appName: options.appName,
    accessToken: options.accessToken,
    host,
    port,
    address,
    logDir: path.resolve(logDir),
    logRetentionDays,
    glueEnabled,
    tls,
    registryIntervalMs,
    shutdownGraceMs,
    logger,
    metrics: { enabled: options.metrics?.enabled ?? false, token: options.metrics?.token === "" ? undefined : options.metrics?.token },
  };
}

/**
 * The URL the admin should call: the configured one, else the bound host and port. A wildcard host is not
 * reachable from elsewhere, so the first non-internal IPv4 address stands in for it (XXL-JOB does the same).
 */
export function advertisedAddress(options: ResolvedExecutorOptions, boundPort: number): string {
  if (options.address !== undefined) return options.address;
  const wildcard = options.host === "0.0.0.0" || options.host === "::";
  const host = wildcard ? firstExternalIpv4() : options.host;
  const scheme = options.tls === undefined ? "http" : "https";
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
}

function firstExternalIpv4(): string {
  for (const entries of Object.values(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === "IPv4" && !entry.internal) return entry.address;
    }
  }
  return "127.0.0.1";
}

function normalizeUrl(option: string, value: unknown, hint: string): string {
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    fail(option, `${JSON.stringify(value)} is not an http(s) URL; use ${hint}`);
  }
  // The admin stores addresses without a trailing slash, so both sides compare equal strings.
  return url.href.replace(/\/+$/, "");
}

function fail(option: string, problem: string): never {
  throw new Error(`Invalid executor option ${option}: ${problem}.`);
}
