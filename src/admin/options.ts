import { randomBytes } from "node:crypto";
import os from "node:os";
import { createConsoleLogger, type Logger } from "../shared/logger.js";

/** Options of `createAdmin()`. Every field is optional; the defaults suit one admin on one machine. */
export interface AdminOptions {
  /**
   * Database URL: `sqlite:./data/jobwire.db`, `sqlite::memory:`, `mysql://user:pass@host:3306/db` or
   * `postgres://user@host:5432/db`. Several admins may share one MySQL or PostgreSQL database.
   * @default "sqlite:./data/jobwire.db"
   */
  databaseUrl?: string;
  /**
   * Interface to listen on.
   * @default "0.0.0.0"
   */
  host?: string;
  /**
   * Port serving gRPC (h2c), gRPC-Web, Connect, health, reflection and the console. 0 picks a free port.
   * @default 8080
   */
  port?: number;
  /**
   * Name of this admin node in trigger reports and leases. Must be unique in a cluster.
   * @default "<hostname>:<port>:<random>"
   */
  nodeId?: string;
  /**
   * Password of the `admin` user created at the first start (when the database has no user). When unset a
   * random one is generated and passed to `onInitialAdminPassword` once. Never a fixed default.
   */
  initialAdminPassword?: string;
  /**
   * Called once with the generated password of the first `admin` user.
   * @default prints the password to stderr
   */
  onInitialAdminPassword?: (username: string, password: string) => void;
  /**
   * Deadline of each `Run` call to an executor.
   * @default 3000
   */
  triggerTimeoutMs?: number;
  /**
   * Registry heartbeat interval expected from executors.
   * @default 30000
   */
  beatIntervalMs?: number;
  /**
   * Time without a beat after which an executor is dead.
   * @default 90000
   */
  deadTimeoutMs?: number;
  /**
   * Lifetime of a login session (30 days with "remember me").
   * @default 43200000 (12 hours)
   */
  sessionTtlMs?: number;
  /**
   * Where log lines go.
   * @default a console logger at level "info"
   */
  logger?: Logger;
}

/** Options after validation, with every default applied. */
export interface ResolvedAdminOptions {
  readonly databaseUrl: string;
  readonly host: string;
  readonly port: number;
  readonly nodeId: string;
  readonly initialAdminPassword: string | undefined;
  readonly onInitialAdminPassword: (username: string, password: string) => void;
  readonly triggerTimeoutMs: number;
  readonly beatIntervalMs: number;
  readonly deadTimeoutMs: number;
  readonly sessionTtlMs: number;
  readonly rememberedSessionTtlMs: number;
  readonly logger: Logger;
}

/** Validates `options` eagerly and returns them fully defaulted; throws an Error naming the bad option. */
export function resolveAdminOptions(options: AdminOptions = {}): ResolvedAdminOptions {
  const logger = options.logger ?? createConsoleLogger("admin");
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`admin option "port" must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  const databaseUrl = options.databaseUrl ?? "sqlite:./data/jobwire.db";
  if (!/^(sqlite:|mysql:\/\/|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new Error(`admin option "databaseUrl" must start with sqlite:, mysql:// or postgres://, got "${databaseUrl}"`);
  }
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const resolved = value ?? fallback;
    if (!Number.isFinite(resolved) || resolved <= 0) throw new Error(`admin option "${name}" must be a positive number of milliseconds, got ${String(value)}`);
    return resolved;
  };
  const beatIntervalMs = positive("beatIntervalMs", options.beatIntervalMs, 30_000);
  const deadTimeoutMs = positive("deadTimeoutMs", options.deadTimeoutMs, 90_000);
  if (deadTimeoutMs < beatIntervalMs * 2) {
    throw new Error(`admin option "deadTimeoutMs" (${deadTimeoutMs}) must be at least twice "beatIntervalMs" (${beatIntervalMs}) so one late beat does not kill an executor`);
  }
  if (options.initialAdminPassword !== undefined && options.initialAdminPassword.length < 8) {
    throw new Error(`admin option "initialAdminPassword" must have at least 8 characters`);
  }
  return {
    databaseUrl,
    host: options.host ?? "0.0.0.0",
    port,
    nodeId: options.nodeId ?? `${os.hostname()}:${port}:${randomBytes(3).toString("hex")}`,
    initialAdminPassword: options.initialAdminPassword,
    onInitialAdminPassword:
      options.onInitialAdminPassword ??
      ((username, password) => {
        process.stderr.write(`\n  First start: created user "${username}" with password: ${password}\n  It is shown only this once; change it after logging in.\n\n`);
      }),
    triggerTimeoutMs: positive("triggerTimeoutMs", options.triggerTimeoutMs, 3_000),
    beatIntervalMs,
    deadTimeoutMs,
    sessionTtlMs: positive("sessionTtlMs", options.sessionTtlMs, 12 * 3600_000),
    rememberedSessionTtlMs: 30 * 24 * 3600_000,
    logger,
  };
}
