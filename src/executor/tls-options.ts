import { createSecureContext } from "node:tls";

/**
 * TLS settings of an executor, as PEM text (what `fs.readFileSync(file)` returns). The executor serves TLS with
 * `cert` and `key`, and presents the same pair as client certificate to `https://` admins, so for mutual TLS the
 * certificate needs both the serverAuth and clientAuth extended key usages (or none).
 *
 * @example
 * ```ts
 * const executor = createExecutor({
 *   adminAddresses: ["https://admin.internal:8443"],
 *   appName: "orders",
 *   accessToken,
 *   tls: {
 *     cert: readFileSync("/etc/jobwire/executor.crt"),
 *     key: readFileSync("/etc/jobwire/executor.key"),
 *     ca: readFileSync("/etc/jobwire/ca.crt"), // mutual TLS: the admin must present a certificate signed by it
 *   },
 * });
 * ```
 */
export interface ExecutorTlsOptions {
  /** PEM certificate (chain) of this executor. */
  cert: string | Buffer;
  /** PEM private key of `cert`. */
  key: string | Buffer;
  /**
   * PEM certificate(s) of the CA that signs the admins' certificates. When set, the executor verifies `https://`
   * admins against it instead of the system CAs and requires callers to present a certificate it signed.
   */
  ca?: string | Buffer;
  /**
   * Require callers (the admin) to present a client certificate signed by `ca`.
   * @default true when `ca` is set
   */
  requireClientCert?: boolean;
}

/**
 * TLS settings after validation, as found in `ResolvedExecutorOptions.tls`.
 *
 * @example
 * ```ts
 * const { tls } = resolveExecutorOptions(options);
 * if (tls?.requireClientCert) console.log("mutual TLS: the admin must present a client certificate");
 * ```
 */
export interface ResolvedTlsOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly ca: string | Buffer | undefined;
  readonly requireClientCert: boolean;
}

/**
 * Validates the TLS options by building a secure context from them, so that a wrong file, a key that does not
 * match its certificate or a file path given instead of its content fails at `createExecutor` with the reason.
 */
export function resolveTlsOptions(tls: ExecutorTlsOptions, fail: (option: string, problem: string) => never): ResolvedTlsOptions {
  if (typeof tls !== "object" || tls === null) fail("tls", "must be an object { cert, key, ca? } of PEM texts");
  for (const field of ["cert", "key", "ca"] as const) {
    const value = tls[field];
    if (value === undefined && field === "ca") continue;
    if (typeof value !== "string" && !Buffer.isBuffer(value)) fail(`tls.${field}`, "must be PEM text (a string or Buffer), e.g. readFileSync(path)");
    if (!value.toString().includes("-----BEGIN ")) {
      fail(`tls.${field}`, `is not PEM text${typeof value === "string" && value.length < 4096 && !value.includes("\n") ? ` (it looks like a file path; pass readFileSync(${JSON.stringify(value)}) instead)` : ""}`);
    }
  }
  const requireClientCert = tls.requireClientCert ?? tls.ca !== undefined;
  if (typeof requireClientCert !== "boolean") fail("tls.requireClientCert", "must be true or false");
  if (requireClientCert && tls.ca === undefined) fail("tls.requireClientCert", "needs tls.ca, the CA that signs the admins' client certificates");
  try {
    createSecureContext({ cert: tls.cert, key: tls.key, ...(tls.ca === undefined ? {} : { ca: tls.ca }) });
  } catch (error) {
    fail("tls", `cert, key and ca do not form a usable TLS configuration: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { cert: tls.cert, key: tls.key, ca: tls.ca, requireClientCert };
}
