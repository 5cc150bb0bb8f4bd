import { Code, ConnectError } from "@connectrpc/connect";
import type { Kysely } from "kysely";
import type { ExecutorGroup, RouteStrategy, Run, TriggerReport, TriggerType } from "../domain/index.js";
import { getRuns, insertRun, insertRuns, markRunsTriggered, type Database, type DispatchJob, type NewRun, type TriggerOutcome } from "../persistence/index.js";
import type { AcceptedWriter } from "./accepted-writer.js";
import { HoldUnsupportedError, RunBatcher } from "./run-batcher.js";
import type { RunCall } from "./run-request-codec.js";
import { SentRuns } from "./sent-runs.js";
import { TurnBatcher } from "./turn-batcher.js";
import { groupAddresses } from "../registry/live-addresses.js";
import type { RouteProbe, RouteStrategyImpl } from "../routing/index.js";
import type { Logger } from "../../shared/logger.js";
import type { RunFinisher } from "../scheduler/run-finisher.js";
import type { ExecutorClients } from "./executor-clients.js";
import type { TriggerPools } from "./trigger-pools.js";
import type { AdminMetrics } from "../metrics/index.js";
import { createExecutorProber } from "./executor-prober.js";
import { groupBy } from "../../shared/group-by.js";

/** How the scheduler dispatches runs ahead of their instant. */
export interface EarlyDispatch {
  /** Resolves at the fire's instant (or at once when the scheduler stops). */
  readonly untilInstant: () => Promise<void>;
}

/** A trigger's outcome as the dispatch decided it, with its report. */
type TriggerResult = Omit<TriggerOutcome, "triggerReport"> & { readonly report: TriggerReport };

interface DispatchPlan extends PreparedFire {
  readonly startedAt: number;
  readonly early: EarlyDispatch | undefined;
}

/** Extra time the admin grants past a run's timeout before it stops waiting for the executor. */
export const TIMEOUT_GRACE_MS = 10_000;

export interface FireRequest {
  readonly job: DispatchJob;
  readonly group: ExecutorGroup;
  readonly triggerType: TriggerType;
  /** The planned instant; the trigger time for manual triggers. */
  readonly scheduledTime: number;
  /** Replaces the job's param when set (an empty string is a valid replacement). */
  readonly param?: string | undefined;
  /** Addresses to use instead of the group's. */
  readonly addresses?: readonly string[] | undefined;
  readonly fireId?: number;
  /** For PARENT fires: the parent run. */
  readonly originRunId?: number;
  /** For RETRY fires: the failed run to retry (only its shard, with its param, one attempt further). */
  readonly retryOf?: Run;
}

/** A fire whose addresses are resolved; its runs are created from this (possibly inside the caller's transaction). */
export interface PreparedFire {
  readonly request: FireRequest;
  readonly addresses: readonly string[];
  readonly addressType: "AUTO" | "MANUAL";
  readonly triggerTime: number;
}

export interface TriggerServiceDeps {
  readonly db: Kysely<Database>;
  readonly executors: ExecutorClients;
  readonly strategies: ReadonlyMap<RouteStrategy, RouteStrategyImpl>;
  readonly nodeId: string;
  readonly triggerTimeoutMs: number;
  readonly deadTimeoutMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** Finishes runs whose trigger failed, with their retries and alarms. */
  readonly finisher: RunFinisher;
  readonly pools: TriggerPools;
  readonly metrics: AdminMetrics;
  /** Writes trigger results; shared with the finisher, which writes held acceptances together with results. */
  readonly accepted: AcceptedWriter;
}

/**
 * The trigger pipeline: the run row is written first (so a crash leaves evidence, never a silent loss), then the
 * address is routed, then the executor's `Run` is called with a deadline, and the outcome is recorded with a
 * structured trigger report. A trigger that cannot be dispatched becomes a FAILED run, never nothing.
 */
export class TriggerService {
  /** Runs sent to executors, for the results that come back (see `SentRuns`). */
  readonly sentRuns = new SentRuns();
  private readonly runs: RunBatcher;
  private readonly failures: TurnBatcher<{ readonly run: Run; readonly result: TriggerResult }, Run>;

  constructor(private readonly deps: TriggerServiceDeps) {
    this.failures = new TurnBatcher((items) => this.recordFailures(items), 500);
    this.runs = new RunBatcher(deps.executors, deps.triggerTimeoutMs);
  }

  /** Writes the acceptances held for their runs' results now, and holds none until `holdAcceptances` (scheduler stop). */
  releaseHeldAcceptances(): void {
    this.deps.accepted.flushHeld();
  }

  /** Lets acceptances of runs sent ahead of their instant wait for the runs' results again (scheduler start). */
  holdAcceptances(): void {
    this.deps.accepted.resumeHolding();
  }

  /** Creates the run(s) of one fire and dispatches them; resolves once every trigger result is stored. */
  async fire(request: FireRequest): Promise<Run[]> {
    const prepared = await this.prepare(request);
    const runs = await this.createRuns(this.deps.db, prepared);
    return this.dispatchAll(runs, prepared);
  }

  /** Resolves the address list of a fire (the override, or the group's live addresses). */
  async prepare(request: FireRequest, addressCache?: Map<number, Promise<string[]>>): Promise<PreparedFire> {
    // A scheduled fire is prepared a little ahead of its instant (the scheduler's dispatch lead) and triggered at it.
    const triggerTime = Math.max(this.deps.now(), request.scheduledTime);
    const override = request.addresses !== undefined && request.addresses.length > 0;
    let addresses: string[];
    if (override) {
      addresses = [...(request.addresses ?? [])].sort();
    } else {
      // A batch of fires of one group shares one registry read.
      let pending = addressCache?.get(request.group.id);
      if (pending === undefined) {
        pending = groupAddresses(this.deps.db, request.group, triggerTime, this.deps.deadTimeoutMs);
        addressCache?.set(request.group.id, pending);
      }
      addresses = await pending;
    }
    return { request, addresses, addressType: override ? "MANUAL" : request.group.addressType, triggerTime };
  }

  /**
   * Writes the PENDING run rows of a prepared fire: one, or one per address for a broadcast (with no address it
   * still makes one run, which fails visibly), or the one shard a retry repeats. `db` may be a transaction, so
   * that a planned fire is marked dispatched together with the runs it became.
   */
  async createRuns(db: Kysely<Database>, prepared: PreparedFire): Promise<Run[]> {
    const first = this.singleRun(prepared);
    if (prepared.request.retryOf !== undefined) return [await insertRun(db, first)];
    const shardTotal = prepared.request.job.routeStrategy === "SHARDING_BROADCAST" ? Math.max(1, prepared.addresses.length) : 1;
    const runs: Run[] = [];
    for (let shardIndex = 0; shardIndex < shardTotal; shardIndex++) {
      // Shard 0 is the batch; the other shards point at it.
      // Overrides of keys `first` has, which keeps V8 on its fast path (see singleRun).
      runs.push(await insertRun(db, { ...first, shardIndex, shardTotal, batchId: runs[0]?.id ?? 0 }));
    }
    return runs;
  }

  /**
   * `createRuns` for many fires in the caller's transaction: the fires that make exactly one run (no broadcast
   * of several shards) are inserted with multi-row INSERTs. Returns the runs of each fire, in input order.
   */
  async createRunsForMany(db: Kysely<Database>, prepared: readonly PreparedFire[]): Promise<Run[][]> {
    const out: Run[][] = prepared.map(() => []);
    const single: { index: number; run: NewRun }[] = [];
    for (const [index, fire] of prepared.entries()) {
      const broadcast = fire.request.retryOf === undefined && fire.request.job.routeStrategy === "SHARDING_BROADCAST" && fire.addresses.length > 1;
      if (broadcast) out[index] = await this.createRuns(db, fire);
      else single.push({ index, run: this.singleRun(fire) });
    }
    const inserted = await insertRuns(db, single.map((s) => s.run));
    single.forEach((s, i) => {
      const run = inserted[i];
      if (run !== undefined) out[s.index] = [run];
    });
    return out;
  }

  /**
   * The one run of a fire that makes one: a retry of one shard, or a plain (or single-address broadcast) fire.
   * Written out field by field rather than spread from a common part: on Node 20 an object literal that spreads
   * another and then adds keys it lacks costs microseconds (V8 leaves its fast path), and this runs for every run.
   */
  private singleRun(prepared: PreparedFire): NewRun {
    const { request, triggerTime } = prepared;
    const { job, group, retryOf } = request;
    const retry = retryOf !== undefined;
    return {
      jobId: job.id,
      groupId: group.id,
      fireId: request.fireId ?? 0,
      triggerType: request.triggerType,
      scheduledTime: request.scheduledTime,
      triggerTime,
      executorAddress: "",
      handler: job.handler,
      // A retry repeats its run's shard with its param, one attempt further, in the same batch.
      param: retry ? retryOf.param : (request.param ?? job.param),
      shardIndex: retry ? retryOf.shardIndex : 0,
      shardTotal: retry ? retryOf.shardTotal : 1,
      attempt: retry ? retryOf.attempt + 1 : 0,
      retriesLeft: retry ? Math.max(0, retryOf.retriesLeft - 1) : job.retry.count,
      originRunId: retry ? retryOf.id : (request.originRunId ?? 0),
      batchId: retry ? retryOf.batchId : 0,
    };
  }

  /**
   * Routes and dispatches created runs through the trigger pools; resolves once every trigger result is stored.
   *
   * With `early` the runs are dispatched ahead of their instant (the scheduler's dispatch lead): each goes to its
   * executor with the instant as `start_time`, so that the executor starts it then however many runs share it. An
   * executor that cannot hold runs gets its run at the instant (`early.untilInstant`).
   */
  dispatchAll(runs: readonly Run[], prepared: PreparedFire, early?: EarlyDispatch): Promise<Run[]> {
    // Field by field, not `{ ...prepared, … }`: see singleRun.
    const plan: DispatchPlan = { request: prepared.request, addresses: prepared.addresses, addressType: prepared.addressType, triggerTime: prepared.triggerTime, startedAt: this.deps.now(), early };
    this.deps.metrics.fireDispatched(prepared.request.triggerType, Math.max(0, plan.startedAt - prepared.request.scheduledTime));
    // A trigger slot covers routing and the executor call; the result is stored after the slot is given back, so
    // that a busy database delays the records, not the calls of the runs behind them.
    return Promise.all(runs.map(async (run) => this.record(run, await this.deps.pools.run(run.jobId, () => this.dispatch(run, plan)), plan)));
  }

  /** Routes one run and calls its executor; returns the trigger result to record. */
  private async dispatch(run: Run, plan: DispatchPlan): Promise<TriggerResult> {
    const { job, group } = plan.request;
    let probes: readonly RouteProbe[] = [];
    const report = (chosenAddress: string, replyCode: string, replyMessage: string): TriggerReport => ({
      triggerType: plan.request.triggerType,
      adminNode: this.deps.nodeId,
      routeStrategy: job.routeStrategy,
      addressType: plan.addressType,
      addresses: plan.addresses,
      chosenAddress,
      blockStrategy: job.blockStrategy,
      timeoutSeconds: job.timeoutSeconds,
      retriesLeft: run.retriesLeft,
      probes,
      replyCode,
      replyMessage,
      durationMs: this.deps.now() - plan.startedAt,
    });
    const fail = (address: string, code: string, message: string): TriggerResult => ({
      triggerState: "FAILED",
      state: "FAILED",
      executorAddress: address,
      report: report(address, code, message),
      deadlineTime: 0,
    });

    if (plan.addresses.length === 0) {
      return fail("", "unavailable", `no executor address: group "${group.appName}" has no live executor and no address override was given`);
    }
    const credentials = { appName: group.appName, accessToken: group.accessToken };
    // Time spent in executor calls (probes and Run), for the slow-lane demotion; performance.now(), not deps.now():
    // the admin may run on a fake clock, RPC time is real.
    const callsStarted = performance.now();
    let address: string | undefined;
    if (job.routeStrategy === "SHARDING_BROADCAST") {
      // A retried shard keeps its index while the address list may have shrunk since: wrap around it.
      address = plan.addresses[run.shardIndex % plan.addresses.length];
    } else {
      const strategy = this.deps.strategies.get(job.routeStrategy);
      if (strategy === undefined) return fail("", "unimplemented", `route strategy ${job.routeStrategy} is not available`);
      const prober = createExecutorProber(this.deps.executors, credentials, this.deps.triggerTimeoutMs);
      const decision = await strategy.route({ jobId: job.id, addresses: plan.addresses, prober });
      probes = decision.probes;
      address = decision.addresses[0];
      if (address === undefined) return fail("", "unavailable", decision.reason ?? `route strategy ${job.routeStrategy} chose no address`);
    }
    if (address === undefined) return fail("", "unavailable", `shard ${run.shardIndex} has no address`);

    const call: RunCall = {
      jobId: job.id,
      runId: run.id,
      handler: job.handler,
      param: run.param,
      blockStrategy: job.blockStrategy,
      concurrency: job.concurrency,
      timeoutMs: job.timeoutSeconds * 1000,
      glueType: job.glueType,
      // A BEAN job has no source to version: both stay unset.
      glueUpdateTime: job.glueType === "BEAN" ? 0 : job.glueUpdateTime,
      glueSource: job.glueType === "BEAN" ? "" : job.glueSource,
      shardIndex: run.shardIndex,
      shardTotal: run.shardTotal,
      scheduledTime: run.scheduledTime,
      triggerTime: plan.triggerTime,
      attempt: run.attempt,
    };
    this.sentRuns.remember(run);
    const rpcStarted = performance.now();
    const startAt = plan.early !== undefined && plan.triggerTime > this.deps.now() ? plan.triggerTime : undefined;
    try {
      try {
        await this.runs.run(address, credentials, call, startAt);
      } catch (error) {
        if (!(error instanceof HoldUnsupportedError) || plan.early === undefined) throw error;
        await plan.early.untilInstant();
        await this.runs.run(address, credentials, call);
      }
      this.deps.metrics.triggerRpc(performance.now() - rpcStarted, true);
      this.deps.pools.recordCalls(job.id, performance.now() - callsStarted);
    } catch (error) {
      this.deps.metrics.triggerRpc(performance.now() - rpcStarted, false);
      this.deps.pools.recordCalls(job.id, performance.now() - callsStarted);
      const connectError = ConnectError.from(error);
      return fail(address, codeName(connectError.code), connectError.rawMessage);
    }
    const deadlineTime = job.timeoutSeconds > 0 ? plan.triggerTime + job.timeoutSeconds * 1000 + TIMEOUT_GRACE_MS : 0;
    return { triggerState: "ACCEPTED", state: "RUNNING", executorAddress: address, report: report(address, "ok", "accepted"), deadlineTime };
  }

  private async record(run: Run, result: TriggerResult, plan: DispatchPlan): Promise<Run> {
    if (result.triggerState !== "FAILED") {
      // The hot path: one conditional UPDATE, no read-back. The returned run reflects what was written; a result
      // that raced ahead of this answer (the run already final) is kept by the update's condition. A run sent ahead
      // of its instant may have its acceptance written together with its result (see AcceptedWriter).
      const now = this.deps.now();
      const outcome: TriggerOutcome = {
        triggerState: result.triggerState,
        executorAddress: result.executorAddress,
        triggerReport: result.report,
        state: result.state,
        deadlineTime: result.deadlineTime,
      };
      await this.deps.accepted.write(run.id, outcome, now, plan.early === undefined ? undefined : plan.triggerTime);
      return { ...run, ...outcome, updateTime: now };
    }
    return this.failures.submit({ run, result });
  }

  /**
   * Records the failed triggers of one turn together: their trigger results are stored with the runs still PENDING,
   * then the finisher fails them, with their retries or alarms, in one transaction. When an executor goes away under
   * a burst, thousands of triggers fail at once, and a transaction per run would keep the admin from everything
   * else (and fail more triggers on their deadline).
   */
  private async recordFailures(items: readonly { readonly run: Run; readonly result: TriggerResult }[]): Promise<Run[]> {
    const { db, logger, finisher } = this.deps;
    for (const [reason, failed] of groupBy(items, (item) => item.result.report.replyMessage)) {
      logger.warn("trigger failed", { runs: failed.length, first: failed.slice(0, 10).map((item) => item.run.id).join(","), reason });
    }
    const now = this.deps.now();
    await markRunsTriggered(
      db,
      items.map(({ run, result: { report, ...outcome } }) => ({ id: run.id, outcome: { ...outcome, state: "PENDING", triggerReport: report } })),
      now,
    );
    await finisher.finish(items.map(({ run, result }) => ({ run, outcome: { state: "FAILED", message: `trigger failed: ${result.report.replyMessage}`, retryable: true } })));
    const stored = new Map((await getRuns(db, items.map(({ run }) => run.id))).map((run) => [run.id, run]));
    return items.map(({ run }) => stored.get(run.id) ?? run);
  }
}

/** gRPC code names as the wire spells them (`not_found`), the form the console and buf curl show. */
export function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}
