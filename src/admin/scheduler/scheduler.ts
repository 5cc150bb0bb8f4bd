import type { Kysely } from "kysely";
import type { ExecutorGroup, PlannedFire } from "../domain/index.js";
import {
  claimPlannedFires,
  getGroup,
  getDispatchJobs,
  getRuns,
  inTransaction,
  listDispatchableFires,
  listOwnFiresAfter,
  markFiresDispatched,
  releaseFires,
  type Database,
} from "../persistence/index.js";
import type { PreparedFire, TriggerService } from "../trigger/trigger-service.js";
import type { Logger } from "../../shared/logger.js";
import type { Clock } from "./clock.js";
import { DispatchPacer } from "./dispatch-pacer.js";
import { planDueBatch, type PlanningBatch } from "./planning-batch.js";
import { ConcurrencyLimit } from "../../shared/concurrency-limit.js";
import { groupBy } from "../../shared/group-by.js";

/** Tuning of the scheduler loop; `resolveAdminOptions()` fills every field. */
export interface SchedulerOptions {
  /** Name of this admin in planned-fire leases; unique in a cluster. */
  readonly nodeId: string;
  /**
   * Jobs whose next fire is this close are claimed, and their fires planned up to `PLANNING_HORIZON_WINDOWS` times
   * this far ahead, held in memory to be dispatched at their millisecond.
   */
  readonly preReadMs: number;
  /** Pause between two planning rounds. */
  readonly scanIntervalMs: number;
  /** Jobs claimed per planning transaction. */
  readonly batchSize: number;
  readonly misfireThresholdMs: number;
  /** How long past its instant a planned fire stays this admin's before another admin may take it over. */
  readonly takeoverAfterMs: number;
  /** Fires are read, marked and turned into runs this long before their instant; executors are called at it. */
  readonly dispatchLeadMs: number;
  /** Fires sharing an instant are released earlier as their store work needs, but never more than this ahead. */
  readonly maxDispatchLeadMs: number;
  readonly defaultTimeZone: string;
}

export interface SchedulerDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly trigger: TriggerService;
  readonly logger: Logger;
  readonly options: SchedulerOptions;
  /** Fires read per pick-up query; `PICKUP_LIMIT` unless given (tests make it small). */
  readonly pickupLimit?: number;
}

/** What one round did; for tests and metrics. */
export interface TickResult {
  /** Jobs whose schedule this round advanced. */
  readonly jobsPlanned: number;
  /** Fires this round planned. */
  readonly firesPlanned: number;
  /** Fires this round put in the timer queue (its own new ones and those it took over). */
  readonly firesQueued: number;
}

/** Planning transactions per round at most; a backlog beyond this waits for the next round. */
const MAX_PLANNING_ROUNDS = 20;
/** Fires dispatched per transaction. */
const DISPATCH_BATCH = 500;
/**
 * Dispatch batches doing their store work at once. A burst releases many batches together; run all at once, they
 * share the admin's thread and the database and all finish late together, whereas two at a time get the first runs
 * to their executors early, which then work while the admin stores the next batches.
 */
const DISPATCHES_AT_ONCE = 2;
/** Fires claimed per UPDATE when taking over. */
const CLAIM_CHUNK = 1_000;
/** Fires read per pick-up query. */
const PICKUP_LIMIT = 20_000;
/**
 * Own-fire reads per pick-up at most (a million fires). A planning round of 10 000 one-second jobs writes some 60 000
 * fires; when one read a round was all there was, the fires read last were queued after their instant.
 */
const MAX_OWN_PICKUP_READS = 50;

/**
 * The admin's scheduler: plans fires durably and dispatches each at its millisecond.
 *
 * Every round it claims due jobs (next fire within the pre-read window) and, in the same transaction, writes
 * their planned fires (unique per job and instant, up to two windows ahead) and advances their next fire time. Several admins do this in
 * parallel on MySQL/MariaDB and PostgreSQL because the claim skips rows another admin has locked. Planned fires
 * carry a lease: the planning admin holds them until a short time past their instant, then any admin may take
 * them over, so the fires of an admin that died are dispatched by the others (or by itself after a restart).
 *
 * A fire is dispatched by marking it DISPATCHED (only if still PLANNED and still this admin's) in the same
 * transaction that writes its runs; that conditional update is what makes each fire run exactly once.
 */
export class Scheduler {
  private readonly queue: DispatchPacer<PlannedFire>;
  private readonly queued = new Set<number>();
  private readonly dispatchLimit = new ConcurrencyLimit(DISPATCHES_AT_ONCE);
  private readonly inFlight = new Set<Promise<void>>();
  /** In-flight dispatches waiting for their instant (see `untilInstant`). */
  private readonly parked = new Set<Promise<void>>();
  private parkWaiters: (() => void)[] = [];
  /** Dispatches waiting for their instant to call an executor that cannot hold runs; by instant. */
  private readonly waitingForInstant = new Map<number, { handle: unknown; waiters: (() => void)[] }>();
  /** Own fires up to this id are in the queue or were dispatched; `listOwnFiresAfter` reads the ones after it. */
  private lastOwnFireId = 0;
  /**
   * Whether own fires may exist that are neither queued nor above `lastOwnFireId`: at start (a previous process
   * under this node id may have left some), and after a planning transaction failed (its commit may have landed
   * all the same). While set, planning does not move `lastOwnFireId` on, so the next pick-up reads them all.
   */
  private ownFiresUncertain = true;
  private dueBatch: PlannedFire[] = [];
  private loopTimer: unknown = undefined;
  private running = false;
  /** Set by `stop()`: from then on nothing waits for an instant. (Tests drive `tick()` without `start()`.) */
  private stopping = false;
  private current: Promise<unknown> | undefined;
  private wakeRequested = false;

  private readonly pickupLimit: number;

  constructor(private readonly deps: SchedulerDeps) {
    this.pickupLimit = deps.pickupLimit ?? PICKUP_LIMIT;
    this.queue = new DispatchPacer(deps.clock, { leadMs: deps.options.dispatchLeadMs, maxLeadMs: deps.options.maxDispatchLeadMs }, (fire) => this.onDue(fire));
  }

  /** Fires held in memory waiting for their instant. */
  get pending(): number {
    return this.queue.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.deps.trigger.holdAcceptances();
    this.schedule(0);
  }

  /** Asks for a pick-up round soon, e.g. after retries or child fires were planned. */
  wake(): void {
    if (!this.running || this.wakeRequested) return;
    this.wakeRequested = true;
    this.schedule(0);
  }

  /**
   * Stops planning, gives this admin's undispatched fires back (so other admins dispatch them without waiting
   * for the lease to run out) and waits for dispatches in progress.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    // Dispatches wait for their acceptances to be stored; none is held back for a result any more.
    this.deps.trigger.releaseHeldAcceptances();
    if (this.loopTimer !== undefined) this.deps.clock.clearTimeout(this.loopTimer);
    this.loopTimer = undefined;
    await this.current?.catch(() => undefined);
    this.queue.stop();
    this.queue.drain();
    this.queued.clear();
    // Fires already marked dispatched and turned into runs belong to no one else now: executors that cannot hold
    // runs are called at once (at most the dispatch lead early) rather than leaving their runs PENDING; no new wait
    // starts once `stopping` is set.
    for (const [at, waiting] of [...this.waitingForInstant]) {
      this.deps.clock.clearTimeout(waiting.handle);
      this.releaseInstant(at);
    }
    // A store batch in flight starts its runs' dispatches when it commits: wait for those too.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    try {
      await releaseFires(this.deps.db, this.deps.options.nodeId);
    } catch (error) {
      this.deps.logger.warn("could not release planned fires; other admins take them over when their lease ends", { error: String(error) });
    }
  }

  /** One round: plan due jobs, then queue own new fires and take over abandoned ones. */
  async tick(): Promise<TickResult> {
    const { queued, ...planned } = await this.planDueJobs();
    const firesQueued = queued + (await this.pickUp());
    return { ...planned, firesQueued };
  }

  /**
   * Resolves once every dispatch has stored its trigger results, except those waiting for their instant to call an
   * executor that cannot hold runs (for tests).
   */
  async idle(): Promise<void> {
    // Released fires are flushed in a microtask; let it run before looking at what is in flight.
    await Promise.resolve();
    for (;;) {
      const active = [...this.inFlight].filter((dispatch) => !this.parked.has(dispatch));
      if (active.length === 0 && this.dueBatch.length === 0) return;
      // A dispatch may park while we wait for it: wake up then and look again.
      await Promise.race([Promise.allSettled(active), new Promise<void>((wake) => this.parkWaiters.push(wake))]);
      this.parkWaiters = [];
      await Promise.resolve();
    }
  }

  private schedule(delayMs: number): void {
    if (this.loopTimer !== undefined) this.deps.clock.clearTimeout(this.loopTimer);
    this.loopTimer = this.deps.clock.setTimeout(() => {
      this.loopTimer = undefined;
      void this.loop();
    }, delayMs);
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    if (this.current !== undefined) {
      // A round is in progress; it re-arms the loop when it ends.
      return;
    }
    this.wakeRequested = false;
    const round = this.tick();
    this.current = round;
    try {
      await round;
    } catch (error) {
      this.deps.logger.error("scheduler round failed; retrying next round", { error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.current = undefined;
    }
    if (this.running) this.schedule(this.wakeRequested ? 0 : this.deps.options.scanIntervalMs);
  }

  /**
   * Plans the due jobs. The fires a planning transaction inserted come back from the insert where the database can
   * return them (PostgreSQL, SQLite) and are queued once it committed; on MySQL/MariaDB the pick-up reads them.
   */
  private async planDueJobs(): Promise<{ jobsPlanned: number; firesPlanned: number; queued: number }> {
    const { db, clock, options } = this.deps;
    let jobsPlanned = 0;
    let firesPlanned = 0;
    let queued = 0;
    for (let round = 0; round < MAX_PLANNING_ROUNDS; round++) {
      const now = clock.now();
      let batch: PlanningBatch;
      try {
        batch = await inTransaction(db, (trx) => planDueBatch(trx, now, options, this.deps.logger));
      } catch (error) {
        this.ownFiresUncertain = true;
        throw error;
      }
      jobsPlanned += batch.advanced;
      firesPlanned += batch.count;
      if (batch.fires === undefined) {
        // MySQL/MariaDB cannot return the inserted fires: read them now, before the next planning transaction, so
        // that a long planning round (seconds, with thousands of due jobs) holds none of them back meanwhile.
        if (batch.count > 0) queued += await this.pickUpOwn();
      } else {
        for (const fire of batch.fires) {
          if (this.enqueue(fire)) queued++;
          // Only this loop plans fires owned by this admin, one transaction after another, so every own fire up to
          // this id is one of these or was read before.
          if (!this.ownFiresUncertain) this.lastOwnFireId = Math.max(this.lastOwnFireId, fire.id);
        }
      }
      if (batch.claimed < options.batchSize) break;
    }
    return { jobsPlanned, firesPlanned, queued };
  }

  /** Queues own fires after `lastOwnFireId`, reading on while a read comes back full. */
  private async pickUpOwn(): Promise<number> {
    const { db, options } = this.deps;
    let queued = 0;
    for (let read = 0; read < MAX_OWN_PICKUP_READS; read++) {
      const uncertain = this.ownFiresUncertain;
      const own = await listOwnFiresAfter(db, options.nodeId, this.lastOwnFireId, this.pickupLimit);
      for (const fire of own) {
        this.lastOwnFireId = Math.max(this.lastOwnFireId, fire.id);
        if (this.enqueue(fire)) queued++;
      }
      if (own.length < this.pickupLimit) {
        // Certain again once a read came back with fewer than its limit, i.e. with every own fire after the mark.
        if (uncertain) this.ownFiresUncertain = false;
        break;
      }
    }
    return queued;
  }

  private async pickUp(): Promise<number> {
    const { db, clock, options } = this.deps;
    let queued = await this.pickUpOwn();
    const now = clock.now();
    const available = (await listDispatchableFires(db, options.nodeId, now + options.preReadMs, now, this.pickupLimit)).filter((f) => !this.queued.has(f.id));
    const previousOwner = new Map(available.map((f) => [f.id, f.owner]));
    // Claimed in chunks with one UPDATE each: a crashed admin leaves hundreds of fires, and claiming them one
    // statement at a time would make the takeover itself late.
    for (let i = 0; i < available.length; i += CLAIM_CHUNK) {
      const chunk = available.slice(i, i + CLAIM_CHUNK).map((f) => f.id);
      const claimed = await claimPlannedFires(db, chunk, options.nodeId, options.takeoverAfterMs, clock.now());
      const from = new Set(claimed.map((f) => previousOwner.get(f.id) ?? "").filter((owner) => owner !== ""));
      if (from.size > 0) this.deps.logger.info("took over planned fires", { fires: claimed.length, from: [...from].join(",") });
      for (const fire of claimed) if (this.enqueue(fire)) queued++;
    }
    return queued;
  }

  private enqueue(fire: PlannedFire): boolean {
    if (this.queued.has(fire.id)) return false;
    this.queued.add(fire.id);
    this.queue.add(fire.scheduledTime, fire);
    return true;
  }

  /**
   * Collects the fires the timer queue releases in one go (it releases everything due synchronously) and
   * dispatches them as batches after the current task, so that a burst of simultaneous fires costs a few queries
   * and one transaction per batch instead of several round trips per fire.
   */
  private onDue(fire: PlannedFire): void {
    this.dueBatch.push(fire);
    if (this.dueBatch.length === 1) queueMicrotask(() => this.flushDue());
  }

  private flushDue(): void {
    const due = this.dueBatch;
    this.dueBatch = [];
    // Instants released together go out earliest first.
    if (due.some((fire, i) => i > 0 && fire.scheduledTime < (due[i - 1] as PlannedFire).scheduledTime)) due.sort((a, b) => a.scheduledTime - b.scheduledTime);
    for (let i = 0; i < due.length; i += DISPATCH_BATCH) {
      const batch = due.slice(i, i + DISPATCH_BATCH);
      const dispatch = this.dispatchLimit
        .run(() => this.dispatchBatch(batch))
        .catch((error: unknown) => {
          // The fires stay PLANNED (or their runs PENDING); lease takeover or the stale-run sweep finishes them.
          this.deps.logger.error("dispatch failed", { fires: batch.length, error: error instanceof Error ? error.message : String(error) });
        })
        .finally(() => {
          this.queue.settled(batch.length);
          for (const fire of batch) this.queued.delete(fire.id);
          this.inFlight.delete(dispatch);
        });
      this.inFlight.add(dispatch);
    }
  }

  private async dispatchBatch(fires: readonly PlannedFire[]): Promise<void> {
    const { db, clock, options, trigger, logger } = this.deps;
    const jobs = new Map((await getDispatchJobs(db, [...new Set(fires.map((f) => f.jobId))])).map((job) => [job.id, job]));
    const groups = new Map<number, ExecutorGroup | undefined>();
    for (const groupId of new Set([...jobs.values()].map((job) => job.groupId))) groups.set(groupId, await getGroup(db, groupId));
    const retryIds = fires.filter((f) => f.triggerType === "RETRY").map((f) => f.originRunId);
    const retried = new Map((await getRuns(db, retryIds)).map((run) => [run.id, run]));
    const addressCache = new Map<number, Promise<string[]>>();

    const skipped: { fire: PlannedFire; reason: string }[] = [];
    const ready: { fire: PlannedFire; prepared: PreparedFire }[] = [];
    for (const fire of fires) {
      const job = jobs.get(fire.jobId);
      const group = job === undefined ? undefined : groups.get(job.groupId);
      const retryOf = fire.triggerType === "RETRY" ? retried.get(fire.originRunId) : undefined;
      if (job === undefined) skipped.push({ fire, reason: "the job was deleted" });
      // A scheduled fire of a job stopped after planning does not run; retries and children of earlier runs do.
      else if ((fire.triggerType === "SCHEDULE" || fire.triggerType === "MISFIRE") && job.state !== "RUNNING") skipped.push({ fire, reason: "the job was stopped" });
      else if (group === undefined) skipped.push({ fire, reason: "the job's executor group was deleted" });
      else if (fire.triggerType === "RETRY" && retryOf === undefined) skipped.push({ fire, reason: `run ${fire.originRunId} to retry was deleted` });
      else {
        const request = {
          job,
          group,
          triggerType: fire.triggerType,
          scheduledTime: fire.scheduledTime,
          fireId: fire.id,
          ...(fire.triggerType === "PARENT" ? { originRunId: fire.originRunId } : {}),
          ...(retryOf !== undefined ? { retryOf } : {}),
        };
        ready.push({ fire, prepared: await trigger.prepare(request, addressCache) });
      }
    }
    // Marking a fire DISPATCHED (only if still PLANNED and still this admin's) commits together with its runs.
    const created = await inTransaction(db, async (trx) => {
      const now = clock.now();
      // Skipped fires are marked in the same statement: stopping thousands of jobs skips their fires in a burst.
      const mine = await markFiresDispatched(
        trx,
        [...skipped.map((s) => s.fire.id), ...ready.map((r) => r.fire.id)],
        now,
        options.nodeId,
      );
      // One line per reason: a stopped group of thousands of jobs would otherwise log a line per fire.
      for (const [reason, list] of groupBy(
        skipped.filter((s) => mine.has(s.fire.id)),
        (s) => s.reason,
      )) {
        logger.info("planned fires skipped", { fires: list.length, jobs: [...new Set(list.slice(0, 20).map((s) => s.fire.jobId))].join(","), reason });
      }
      const owned = ready.filter((r) => mine.has(r.fire.id)).map((r) => r.prepared);
      const runs = await trigger.createRunsForMany(trx, owned);
      return owned.map((prepared, i) => ({ prepared, runs: runs[i] ?? [] }));
    });
    // The store work was done ahead of the instant (dispatchLeadMs), and the runs go to their executors now, to
    // be held there until the instant; an executor that cannot hold runs is called at the instant.
    for (const { prepared, runs } of created) {
      const at = prepared.request.scheduledTime;
      const dispatch: { tracked?: Promise<void> } = {};
      dispatch.tracked = this.track(trigger.dispatchAll(runs, prepared, { untilInstant: () => this.untilInstant(at, dispatch.tracked) }));
    }
  }

  /**
   * Resolves at `at` (at once if that has passed, or when the scheduler stops). Waits for one instant share a timer.
   * The dispatch that waits counts as parked meanwhile, so that `idle()` does not wait for the instant.
   */
  private untilInstant(at: number, dispatch: Promise<void> | undefined): Promise<void> {
    const { clock } = this.deps;
    if (at <= clock.now() || this.stopping) return Promise.resolve();
    if (dispatch !== undefined) {
      this.parked.add(dispatch);
      for (const wake of this.parkWaiters.splice(0)) wake();
    }
    let waiting = this.waitingForInstant.get(at);
    if (waiting === undefined) {
      const entry: { handle: unknown; waiters: (() => void)[] } = { handle: undefined, waiters: [] };
      entry.handle = clock.setTimeout(() => this.releaseInstant(at), at - clock.now());
      this.waitingForInstant.set(at, entry);
      waiting = entry;
    }
    const entry = waiting;
    return new Promise<void>((resolve) => entry.waiters.push(resolve)).then(() => {
      if (dispatch !== undefined) this.parked.delete(dispatch);
    });
  }

  private releaseInstant(at: number): void {
    const waiting = this.waitingForInstant.get(at);
    if (waiting === undefined) return;
    this.waitingForInstant.delete(at);
    for (const resolve of waiting.waiters) resolve();
  }

  private track(dispatch: Promise<unknown>): Promise<void> {
    const tracked: Promise<void> = dispatch
      .then(() => undefined)
      .catch((error: unknown) => {
        this.deps.logger.error("dispatch failed", { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }
}
