import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { metricsRoute, startRpcServer, type RpcServer } from "../shared/net/index.js";
import { createHealthService } from "../shared/rpc/index.js";
import { createAuthInterceptor, errorInterceptor } from "./auth/auth-interceptor.js";
import { ensureInitialAdmin } from "./auth/bootstrap-admin.js";
import { remoteAddressKey } from "./auth/principal.js";
import type { AdminContext } from "./context.js";
import { resolveAdminOptions, type AdminOptions, type ResolvedAdminOptions } from "./options.js";
import { migrateToLatest, openDatabase, type JobwireDatabase } from "./persistence/index.js";
import { registerAdminRoutes } from "./rpc/routes.js";
import { createRouteStrategies } from "./routing/index.js";
import { ExecutorClients } from "./trigger/executor-clients.js";
import { TriggerService } from "./trigger/trigger-service.js";
import { AcceptedWriter } from "./trigger/accepted-writer.js";
import { TriggerPools } from "./trigger/trigger-pools.js";
import { RunFinisher } from "./scheduler/run-finisher.js";
import { RunMonitor } from "./scheduler/run-monitor.js";
import { Scheduler } from "./scheduler/scheduler.js";
import { startPeriodicTask, type PeriodicTask } from "./scheduler/periodic-task.js";
import { runRetention } from "./scheduler/retention.js";
import { sweepAlarms } from "./scheduler/alarm-sweeper.js";
import { createConfiguredAlarmDispatcher } from "./alarm/index.js";
import { serveConsolePage } from "./console/console-page.js";
import { createDemoJob, ensureExecutorGroup } from "./provisioning/demo-setup.js";
import { countExecutors, createAdminMetrics, NO_ADMIN_METRICS } from "./metrics/index.js";

/** A running admin. */
export interface Admin {
  /** Base URL of the one port serving gRPC, gRPC-Web, Connect and the console, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  readonly options: ResolvedAdminOptions;
  /**
   * Returns the access token of the executor group `appName`, creating the group (AUTO) when it does not exist;
   * with `withDemoJob`, a new group also gets the demo job. For wiring embedded or demo executors in code.
   */
  ensureExecutorGroup(appName: string, title: string, withDemoJob?: boolean): Promise<{ accessToken: string; created: boolean }>;
  /** The scheduler of this admin; undefined when `schedulerEnabled` is false. */
  readonly scheduler: Scheduler | undefined;
  /** Stops accepting calls, lets running calls finish (up to `graceMs`), closes executor connections and the database. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts an admin: opens the database and migrates it, creates the first admin user if there is none, and serves
 * every service on one port. Several admins may share one MySQL or PostgreSQL database.
 *
 * @example
 * const admin = await startAdmin({ databaseUrl: "postgres://jobwire@db/jobwire", port: 8080 });
 * // … later
 * await admin.stop();
 */
export async function startAdmin(input: AdminOptions = {}): Promise<Admin> {
  const options = resolveAdminOptions(input);
  const database: JobwireDatabase = await openDatabase(options.databaseUrl);
  let server: RpcServer | undefined;
  let scheduler: Scheduler | undefined;
  let maintenance: PeriodicTask | undefined;
  const executors = new ExecutorClients();
  const alarms = createConfiguredAlarmDispatcher(options.alarms, options.logger);
  try {
    await migrateToLatest(database.db);
    const clock = options.clock;
    const now = (): number => clock.now();
    await ensureInitialAdmin(database.db, options.initialAdminPassword, options.onInitialAdminPassword, now());
    // Created before the scheduler parts so that each can be handed the metrics it reports to.
    const metrics = options.metrics.enabled ? createAdminMetrics(() => countExecutors(database.db, now(), options.deadTimeoutMs)) : undefined;
    // Shared by the trigger service (which holds acceptances) and the finisher (which writes them with results).
    const accepted = new AcceptedWriter(database.db, { now, lingerMs: options.acceptLingerMs });
    const finisher = new RunFinisher({
      db: database.db,
      acceptances: accepted,
      now,
      reportTimeZone: options.timeZone,
      logger: options.logger,
      onFollowUpsPlanned: () => scheduler?.wake(),
      metrics: metrics ?? NO_ADMIN_METRICS,
    });
    const pools = new TriggerPools({
      fastConcurrency: options.fastTriggerConcurrency,
      slowConcurrency: options.slowTriggerConcurrency,
      slowThresholdMs: 500,
      slowCountPerMinute: 10,
      now,
    });
    const trigger = new TriggerService({
      db: database.db,
      executors,
      strategies: createRouteStrategies(),
      nodeId: options.nodeId,
      triggerTimeoutMs: options.triggerTimeoutMs,
      deadTimeoutMs: options.deadTimeoutMs,
      now,
      logger: options.logger,
      finisher,
      pools,
      metrics: metrics ?? NO_ADMIN_METRICS,
      accepted,
    });
    const monitor = new RunMonitor({
      db: database.db,
      now,
      finisher,
      executors,
      logger: options.logger,
      options: { beatIntervalMs: options.beatIntervalMs, deadTimeoutMs: options.deadTimeoutMs, triggerTimeoutMs: options.triggerTimeoutMs },
    });
    const context: AdminContext = { db: database.db, options, now, executors, trigger, finisher, monitor, metrics: metrics ?? NO_ADMIN_METRICS };
    const shutdown = new AbortController();
    const health = createHealthService();
    const handler = connectNodeAdapter({
      routes: (router) => registerAdminRoutes(router, context, health),
      interceptors: [errorInterceptor, createAuthInterceptor(database.db, now)],
      contextValues: (req) => createContextValues().set(remoteAddressKey, req.socket.remoteAddress ?? ""),
      fallback: (req, res) => serveConsolePage(req, res),
      shutdownSignal: shutdown.signal,
      grpc: true,
      grpcWeb: true,
      connect: true,
    });
    server = await startRpcServer({
      handler,
      host: options.host,
      port: options.port,
      pingIntervalMs: 15_000,
      pingTimeoutMs: 10_000,
      httpRoutes: metrics === undefined ? undefined : new Map([["/metrics", metricsRoute(metrics, options.metrics.token)]]),
    });
    options.logger.info("admin listening", { url: server.url, node: options.nodeId });
    if (options.schedulerEnabled) {
      scheduler = new Scheduler({
        db: database.db,
        clock,
        trigger,
        logger: options.logger,
        options: {
          nodeId: options.nodeId,
          preReadMs: options.preReadMs,
          scanIntervalMs: options.scanIntervalMs,
          batchSize: options.planBatchSize,
          misfireThresholdMs: options.misfireThresholdMs,
          takeoverAfterMs: options.takeoverAfterMs,
          dispatchLeadMs: options.dispatchLeadMs,
          maxDispatchLeadMs: options.maxDispatchLeadMs,
          defaultTimeZone: options.timeZone,
        },
      });
      scheduler.start();
    }
    maintenance = startPeriodicTask(
      "run monitor",
      clock,
      options.monitorIntervalMs,
      async () => {
        await monitor.sweep();
        await sweepAlarms({ db: database.db, now, dispatcher: alarms, logger: options.logger, publicUrl: options.alarms.publicUrl });
        await runRetention(database.db, options.nodeId, options.runRetentionDays, now(), options.logger);
      },
      options.logger,
    );
    const runningScheduler = scheduler;
    const runningMaintenance = maintenance;
    const running = server;
    return {
      url: running.url,
      port: running.port,
      options,
      scheduler: runningScheduler,
      async ensureExecutorGroup(appName, title, withDemoJob = false) {
        const { group, created } = await ensureExecutorGroup(database.db, appName, title, now());
        if (created && withDemoJob) await createDemoJob(database.db, group.id, now());
        return { accessToken: group.accessToken, created };
      },
      async stop(graceMs = 5_000) {
        // Health turns NOT_SERVING first so that balancers stop sending calls before the port closes.
        health.shutdown();
        // Planning stops first and undispatched fires are handed back, so other admins take them over at once.
        await runningScheduler?.stop();
        await runningMaintenance.stop();
        const closed = running.close(graceMs);
        // Long-lived streams (executor callbacks, log tails) would hold the server open until the grace period;
        // aborting them lets executors reconnect to another admin at once.
        shutdown.abort();
        await closed;
        executors.closeAll();
        await alarms.close();
        await database.close();
      },
    };
  } catch (error) {
    await scheduler?.stop();
    await maintenance?.stop();
    await server?.close(0);
    executors.closeAll();
    await alarms.close();
    await database.close();
    throw error;
  }
}
