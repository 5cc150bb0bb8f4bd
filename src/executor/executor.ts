import { connectNodeAdapter } from "@connectrpc/connect-node";
import { mkdir } from "node:fs/promises";
import { ExecutorService } from "../gen/jobwire/v1/executor_service_pb.js";
import { metricsRoute, startRpcServer, type RpcServer } from "../shared/net/index.js";
import { AdminConnections, DEFAULT_ADMIN_KEEPALIVE, type AdminKeepalive } from "./admin-clients.js";
import { createServerAuthInterceptor } from "./auth.js";
import { createExecutorService } from "./executor-service.js";
import { HandlerRegistry } from "./handler-registry.js";
import { JobQueues } from "./job-queues.js";
import { createExecutorMetrics, type ExecutorMetrics } from "./metrics/index.js";
import { startLogRetention } from "./log-retention.js";
import { advertisedAddress, resolveExecutorOptions, type ExecutorOptions, type ResolvedExecutorOptions } from "./options.js";
import { AdminClock } from "./admin-clock.js";
import { Registrar } from "./registration.js";
import { GlueHandlers } from "./glue-handlers.js";
import type { ScriptGlueType } from "./glue-interpreters.js";
import { ResultReporter, type ResultReporterOptions } from "./result-reporter.js";
import { ResultSpool } from "./result-spool.js";
import type { ExecutorState, JobHandler, JobHandlerHooks } from "./types.js";

/**
 * An embedded executor: register handlers, then `start()`; `stop()` before the process exits.
 *
 * @example
 * ```ts
 * const executor = createExecutor({ adminAddresses: ["http://127.0.0.1:8080"], appName: "orders", accessToken });
 * executor.register("syncOrders", async (ctx) => `synced ${await syncOrders(ctx.param, ctx.signal)} orders`);
 * await executor.start();
 * process.once("SIGTERM", () => void executor.stop());
 * ```
 */
export interface Executor {
  /**
   * INITIALIZED → RUNNING → STOPPING → STOPPED.
   * @example `if (executor.state === "RUNNING") await executor.stop();`
   */
  readonly state: ExecutorState;
  /**
   * The bound port once started (useful with `port: 0`); the configured one before.
   * @example `await executor.start(); console.log(`serving on ${executor.port}`);`
   */
  readonly port: number;
  /**
   * The URL registered with the admin, e.g. `http://10.0.0.5:9999` (`https://` with TLS).
   * @example `console.log(`the admin reaches this executor at ${executor.address}`);`
   */
  readonly address: string;
  /**
   * Results not yet acknowledged by an admin (in memory and, after a short delay, in the disk spool).
   * @example `if (executor.pendingResults > 0) console.warn("the admin has not confirmed every result yet");`
   */
  readonly pendingResults: number;
  /**
   * Registers a handler under a name that jobs reference, with optional `init`/`destroy` hooks run once per job
   * queue. Allowed before and after `start()` (the next beat announces it); a name can be registered once.
   * @example
   * ```ts
   * executor.register("cleanup", async (ctx) => { ctx.log("cleaning"); return "clean"; }, {
   *   init: () => connectDatabase(),
   *   destroy: () => disconnectDatabase(),
   * });
   * ```
   */
  register(name: string, handler: JobHandler, hooks?: JobHandlerHooks): void;
  /**
   * Loads the results spooled by a previous run, binds the server, opens the result stream and registers with
   * the admin. Resolves even if no admin answers (it keeps trying); rejects if the port cannot be bound.
   * @example `await executor.start();`
   */
  start(): Promise<void>;
  /**
   * Graceful stop: deregisters, stops accepting runs (queued ones are reported KILLED), waits up to
   * `shutdownGraceMs` for running handlers, aborts the rest (killing script process trees), flushes the results,
   * spools what no admin acknowledged and closes the server.
   * @example `process.once("SIGTERM", () => void executor.stop().then(() => process.exit(0)));`
   */
  stop(): Promise<void>;
}

/** Knobs that tests shorten; not part of the public options because users have no reason to change them. */
export interface ExecutorInternals {
  readonly idleTimeoutMs?: number;
  readonly abortGraceMs?: number;
  readonly flushTimeoutMs?: number;
  readonly adminKeepalive?: AdminKeepalive;
  readonly reporter?: Omit<ResultReporterOptions, "logger" | "spool" | "store">;
  /** After SIGTERM, how long a GLUE script's process tree has before SIGKILL. */
  readonly glueKillGraceMs?: number;
  /** Interpreters to use instead of the PATH lookup, per script type. */
  readonly glueInterpreters?: Partial<Record<ScriptGlueType, string>>;
}

const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;
const DEFAULT_GLUE_KILL_GRACE_MS = 3_000;
const SERVER_PING_INTERVAL_MS = 10_000;
const SERVER_PING_TIMEOUT_MS = 5_000;

/**
 * Creates an executor. Options are validated at once; a bad one throws an Error naming it and saying what to
 * use instead. Nothing is started until `start()`.
 *
 * @example
 * ```ts
 * import { createExecutor } from "jobwire/executor";
 *
 * const executor = createExecutor({
 *   adminAddresses: ["http://admin-1:8080", "http://admin-2:8080"],
 *   appName: "orders",
 *   accessToken: process.env.JOBWIRE_ACCESS_TOKEN ?? "",
 *   logDir: "/var/log/jobwire",
 * });
 * executor.register("demoJobHandler", (ctx) => `hello ${ctx.param}`);
 * await executor.start();
 * ```
 */
export function createExecutor(options: ExecutorOptions): Executor {
  return createExecutorWithInternals(options, {});
}

/** `createExecutor` with internal timings, for tests. */
export function createExecutorWithInternals(options: ExecutorOptions, internals: ExecutorInternals): Executor {
  return new EmbeddedExecutor(resolveExecutorOptions(options), internals);
}

class EmbeddedExecutor implements Executor {
  private current: ExecutorState = "INITIALIZED";
  private readonly handlers = new HandlerRegistry();
  private readonly connections: AdminConnections;
  private readonly reporter: ResultReporter;
  private readonly glue: GlueHandlers;
  private readonly queues: JobQueues;
  private readonly registrar: Registrar;
  /** The admins' clock, measured by the registration beats; runs delivered ahead start by it. */
  private readonly adminClock = new AdminClock();
  private readonly metrics: ExecutorMetrics | undefined;
  private server: RpcServer | undefined;
  private publicAddress: string | undefined;
  private stopRetention: () => void = () => {};
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly options: ResolvedExecutorOptions,
    private readonly internals: ExecutorInternals,
  ) {
    const { logger } = options;
    this.connections = new AdminConnections(options.adminAddresses, options, internals.adminKeepalive ?? DEFAULT_ADMIN_KEEPALIVE, options.tls);
    this.reporter = new ResultReporter(this.connections.endpoints, { ...internals.reporter, logger, spool: new ResultSpool(options.logDir, logger) });
    this.glue = new GlueHandlers({
      logDir: options.logDir,
      killGraceMs: internals.glueKillGraceMs ?? DEFAULT_GLUE_KILL_GRACE_MS,
      ...(internals.glueInterpreters === undefined ? {} : { interpreters: internals.glueInterpreters }),
    });
    this.queues = new JobQueues({
      logDir: options.logDir,
      logger,
      report: (result) => {
        this.metrics?.runEnded(result.state);
        return this.reporter.report(result);
      },
      isUnacked: (runId) => this.reporter.isUnacked(runId),
      adminNow: () => this.adminClock.now(),
      ...(internals.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: internals.idleTimeoutMs }),
      ...(internals.abortGraceMs === undefined ? {} : { abortGraceMs: internals.abortGraceMs }),
    });
    this.metrics = options.metrics.enabled
      ? createExecutorMetrics(options.appName, () => {
          const queues = this.queues.depths();
          return { running: queues.reduce((sum, queue) => sum + queue.running, 0), queues };
        })
      : undefined;
    this.registrar = new Registrar(this.connections.endpoints, {
      appName: options.appName,
      address: () => this.address,
      intervalMs: options.registryIntervalMs,
      logger,
      snapshot: () => ({ handlerNames: this.handlers.names(), runningRunIds: this.queues.activeRunIds(), queueDepths: this.queues.depths() }),
      onAdminTime: (sentAt, adminTime, receivedAt) => this.adminClock.observe(sentAt, adminTime, receivedAt),
    });
  }

  get state(): ExecutorState {
    return this.current;
  }

  get port(): number {
    return this.server?.port ?? this.options.port;
  }

  get address(): string {
    return this.publicAddress ?? advertisedAddress(this.options, this.port);
  }

  get pendingResults(): number {
    return this.reporter.pendingCount;
  }

  register(name: string, handler: JobHandler, hooks?: JobHandlerHooks): void {
    if (this.current === "STOPPING" || this.current === "STOPPED") throw new Error(`Cannot register handler "${name}": the executor is ${this.current.toLowerCase()}.`);
    this.handlers.register(name, handler, hooks);
  }

  start(): Promise<void> {
    if (this.starting !== undefined || this.current !== "INITIALIZED") {
      return Promise.reject(new Error(`start() can be called once, on a new executor; this one is ${this.starting === undefined ? this.current : "already started"}.`));
    }
    this.starting = this.startUp();
    return this.starting;
  }

  private async startUp(): Promise<void> {
    const { options } = this;
    try {
      await mkdir(options.logDir, { recursive: true });
      this.stopRetention = startLogRetention(options.logDir, options.logRetentionDays, options.logger);
      // The spool is loaded before the server takes runs, so that the duplicate guard already knows the runs
      // whose results a previous process left unacknowledged. The stream is opened first, too, so the first
      // result does not wait for a connection.
      await this.reporter.start();
      const serverOptions = {
        handler: connectNodeAdapter({
          routes: (router) => router.service(ExecutorService, createExecutorService({ ...options, handlers: this.handlers, glue: this.glue, queues: this.queues })),
          interceptors: [createServerAuthInterceptor(options)],
          grpc: true,
          grpcWeb: true,
          connect: true,
        }),
        host: options.host,
        port: options.port,
        pingIntervalMs: SERVER_PING_INTERVAL_MS,
        pingTimeoutMs: SERVER_PING_TIMEOUT_MS,
        httpRoutes: this.metrics === undefined ? undefined : new Map([["/metrics", metricsRoute(this.metrics, options.metrics.token)]]),
      };
      this.server = await startRpcServer({ ...serverOptions, tls: options.tls });
    } catch (error) {
      await this.release();
      this.current = "STOPPED";
      throw new Error(`The executor could not start on ${options.host}:${options.port}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.publicAddress = advertisedAddress(options, this.server.port);
    this.current = "RUNNING";
    options.logger.info("executor started", { appName: options.appName, address: this.publicAddress, handlers: this.handlers.names() });
    await this.registrar.start();
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    // A stop during start waits for it, so that it never races the server binding or the first beat.
    await this.starting?.catch(() => undefined);
    if (this.current === "INITIALIZED" || this.current === "STOPPED") {
      await this.release();
      this.current = "STOPPED";
      return;
    }
    this.current = "STOPPING";
    const { logger, appName } = this.options;
    await this.registrar.deregister();
    await this.queues.close(this.options.shutdownGraceMs, `executor ${appName} is shutting down`);
    const flushed = await this.reporter.flush(this.internals.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS);
    if (!flushed) logger.warn("stopping with unacknowledged results; they are spooled for the next start", { pending: this.reporter.pendingCount });
    await this.release();
    this.current = "STOPPED";
    logger.info("executor stopped", { appName, address: this.address });
  }

  /** Closes what `start()` opened, in reverse order; safe to call on a partly started executor. */
  private async release(): Promise<void> {
    await this.reporter.stop();
    this.stopRetention();
    await this.server?.close(1_000);
    this.connections.close();
  }
}
