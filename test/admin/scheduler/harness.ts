import { afterEach } from "vitest";
import { NO_ADMIN_METRICS } from "../../../src/admin/metrics/index.js";
import type { Kysely } from "kysely";
import type { ExecutorGroup, Job, Run } from "../../../src/admin/domain/index.js";
import { insertGroup, insertJob, listRuns, setJobSchedule, type Database, type NewJob } from "../../../src/admin/persistence/index.js";
import { createRouteStrategies } from "../../../src/admin/routing/index.js";
import { RunFinisher } from "../../../src/admin/scheduler/run-finisher.js";
import { RunMonitor } from "../../../src/admin/scheduler/run-monitor.js";
import { Scheduler } from "../../../src/admin/scheduler/scheduler.js";
import { ExecutorClients } from "../../../src/admin/trigger/executor-clients.js";
import { TriggerPools } from "../../../src/admin/trigger/trigger-pools.js";
import { TriggerService } from "../../../src/admin/trigger/trigger-service.js";
import { AcceptedWriter } from "../../../src/admin/trigger/accepted-writer.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { newGroup, newJob } from "../persistence/fixtures.js";
import { FakeClock } from "../../helpers/fake-clock.js";

/** A fixed start instant on a whole second, so FIX_RATE grids are easy to read. */
export const T0 = Date.UTC(2030, 0, 1, 0, 0, 0);

/** One admin's scheduling parts wired as `startAdmin()` wires them, on a fake clock and a shared database. */
export interface AdminNode {
  readonly nodeId: string;
  readonly clock: FakeClock;
  readonly scheduler: Scheduler;
  readonly finisher: RunFinisher;
  readonly monitor: RunMonitor;
  readonly trigger: TriggerService;
  /** Acceptances held for their runs' results (with `acceptLingerMs` > 0). */
  readonly accepted: AcceptedWriter;
  close(): void;
}

/**
 * `acceptLingerMs` is 0 unless given: acceptances are then written at once, as the tests that read runs right after
 * `idle()` expect (a held acceptance waits on a real timer, which a fake clock does not move).
 */
export function createAdminNode(db: Kysely<Database>, nodeId: string, clock = new FakeClock(T0), acceptLingerMs = 0, pickupLimit?: number): AdminNode {
  const now = (): number => clock.now();
  const accepted = new AcceptedWriter(db, { now, lingerMs: acceptLingerMs });
  const executors = new ExecutorClients();
  // The finisher wakes the scheduler, which is built after it (it needs the trigger service the finisher feeds).
  const wake: { scheduler?: Scheduler } = {};
  const finisher = new RunFinisher({ db, now, reportTimeZone: "UTC", logger: silentLogger, onFollowUpsPlanned: () => wake.scheduler?.wake(), random: () => 0.5, acceptances: accepted });
  const trigger = new TriggerService({
    db,
    executors,
    strategies: createRouteStrategies(),
    nodeId,
    triggerTimeoutMs: 3_000,
    deadTimeoutMs: 90_000,
    now,
    logger: silentLogger,
    finisher,
    pools: new TriggerPools({ fastConcurrency: 50, slowConcurrency: 10, slowThresholdMs: 500, slowCountPerMinute: 10, now }),
    metrics: NO_ADMIN_METRICS,
    accepted,
  });
  const scheduler = new Scheduler({
    db,
    clock,
    trigger,
    logger: silentLogger,
    options: { nodeId, preReadMs: 5_000, scanIntervalMs: 1_000, batchSize: 100, misfireThresholdMs: 5_000, takeoverAfterMs: 2_000, dispatchLeadMs: 300, maxDispatchLeadMs: 3_000, defaultTimeZone: "UTC" },
    ...(pickupLimit === undefined ? {} : { pickupLimit }),
  });
  wake.scheduler = scheduler;
  const monitor = new RunMonitor({
    db,
    now,
    finisher,
    executors,
    logger: silentLogger,
    options: { beatIntervalMs: 30_000, deadTimeoutMs: 90_000, triggerTimeoutMs: 3_000 },
  });
  return { nodeId, clock, scheduler, finisher, monitor, trigger, accepted, close: () => executors.closeAll() };
}

/**
 * For one describe block (call it in the block's body): returns a maker of admin nodes on `getDb()`, each on its own
 * fake clock at T0 unless given one (and on `db` if given, e.g. a wrapper injecting faults), and stops and closes
 * every node made after each test.
 */
export function adminNodesPerTest(
  getDb: () => Kysely<Database>,
  acceptLingerMs = 0,
): (nodeId: string, clock?: FakeClock, db?: Kysely<Database>, pickupLimit?: number) => AdminNode {
  const nodes: AdminNode[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) {
      await n.scheduler.stop();
      n.close();
    }
  });
  return (nodeId, clock = new FakeClock(T0), db = getDb(), pickupLimit) => {
    const created = createAdminNode(db, nodeId, clock, acceptLingerMs, pickupLimit);
    nodes.push(created);
    return created;
  };
}

/** A MANUAL group pointing at `address` (no registry needed) and a RUNNING job of it due at `nextFireTime`. */
export async function seedScheduledJob(
  db: Kysely<Database>,
  address: string | readonly string[],
  overrides: Partial<NewJob>,
  nextFireTime: number,
): Promise<{ group: ExecutorGroup; job: Job }> {
  const group = await insertGroup(db, newGroup({ addressType: "MANUAL", manualAddresses: typeof address === "string" ? [address] : [...address] }), T0);
  const job = await insertJob(db, newJob(group.id, { routeStrategy: "FIRST", retry: { count: 0, backoff: "FIXED", intervalMs: 1_000, maxIntervalMs: 1_000 }, ...overrides }), T0);
  const running = await setJobSchedule(db, job.id, { state: "RUNNING", nextFireTime, lastFireTime: 0 }, T0);
  if (running === undefined) throw new Error("job vanished");
  return { group, job: running };
}

/** A job's runs, oldest first. */
export async function runsOf(db: Kysely<Database>, jobId: number): Promise<Run[]> {
  return [...(await listRuns(db, { jobId }, { limit: 1_000 })).items].reverse();
}

/**
 * `db` whose transactions commit and then, while `failNext` says so (it is asked once per transaction), report a
 * failure all the same: a connection lost after the database committed but before the client heard.
 */
export function failingAfterCommit(db: Kysely<Database>, failNext: () => boolean): Kysely<Database> {
  return new Proxy(db, {
    get(target, property) {
      if (property === "transaction") {
        return () => {
          const builder = target.transaction();
          return {
            execute: async <T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> => {
              const result = await builder.execute(work);
              if (failNext()) throw new Error("connection lost after commit");
              return result;
            },
          };
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
