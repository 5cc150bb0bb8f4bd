import type { Kysely } from "kysely";
import type { Run, RunState } from "../domain/index.js";
import {
  FAILED_RUN_STATES,
  addToDailyReport,
  finishRuns,
  getJobFollowUps,
  inTransaction,
  insertPlannedFires,
  listBatchRuns,
  resumeDelayedJob,
  type Database,
  type FinishingRun,
  type JobFollowUps,
  type NewPlannedFire,
  type TriggerOutcome,
} from "../persistence/index.js";
import type { Logger } from "../../shared/logger.js";
import type { AdminMetrics } from "../metrics/index.js";
import { reportDay } from "./report-day.js";
import { retryDelayMs } from "./retry-backoff.js";

/** How a run ended, as an executor reported it or as the admin decided (timeout, lost, trigger failure). */
export interface RunOutcome {
  readonly state: RunState;
  readonly message: string;
  /** False for a non-retryable failure: no retry follows, the alarm is sent at once. */
  readonly retryable: boolean;
}

export interface RunFinisherDeps {
  readonly db: Kysely<Database>;
  readonly now: () => number;
  /** Zone of the daily report's days. */
  readonly reportTimeZone: string;
  readonly logger: Logger;
  /** Called after follow-up fires (retries, children) were planned, so the scheduler picks them up soon. */
  readonly onFollowUpsPlanned?: () => void;
  readonly random?: () => number;
  readonly metrics?: AdminMetrics;
  /** Executors' acceptances not yet written; a finished run's is written with its result. */
  readonly acceptances?: HeldAcceptances;
}

/**
 * Trigger results (acceptances) kept in memory for a while, so that a run whose result arrives first is written once
 * with both (the trigger service's `AcceptedWriter`).
 */
export interface HeldAcceptances {
  /** Takes the held acceptances of these runs (those it holds); the caller writes them or hands them back. */
  take(runIds: readonly number[]): TakenAcceptances;
}

export interface TakenAcceptances {
  readonly outcomes: ReadonlyMap<number, TriggerOutcome>;
  /** After the finishing transaction: the runs in `written` have their acceptance stored; the others' are written now. */
  settle(written: ReadonlySet<number>): void;
}

/** Trigger types whose completion moves a FIX_DELAY schedule on; manual and child runs do not. */
const SCHEDULED_TRIGGERS = new Set(["SCHEDULE", "MISFIRE", "RETRY"]);

/**
 * Makes runs final, exactly once, together with everything that follows from it in the same transaction: the
 * daily report counters, the retry of a failed run (a RETRY planned fire at now + backoff), the child fires of a
 * succeeded run (PARENT planned fires), and the next fire of a FIX_DELAY job. Because the follow-ups are planned
 * fires written in the transaction that finishes the run, an admin crash can delay them but never lose them,
 * and the conditional finish makes a second attempt (a duplicate callback, two admins sweeping) a no-op.
 *
 * Failed runs that get no retry keep alarm state NONE, which is what the alarm sweeper looks for.
 *
 * A sharded batch fires its children once every shard succeeded. Shards finish in separate transactions, so the
 * check runs after commit, when each finisher sees the others' committed results; the (job, instant, origin)
 * key of planned fires makes the check safe to repeat.
 */
export class RunFinisher {
  private readonly random: () => number;

  constructor(private readonly deps: RunFinisherDeps) {
    this.random = deps.random ?? Math.random;
  }

  /** Finishes one run; returns whether this call finished it. */
  async finishOne(run: FinishingRun, outcome: RunOutcome): Promise<boolean> {
    const finished = await this.finish([{ run, outcome }]);
    return finished.has(run.id);
  }

  /** Finishes several runs in one transaction; returns the ids this call finished (the others were final already). */
  async finish(items: readonly { readonly run: FinishingRun; readonly outcome: RunOutcome }[]): Promise<Set<number>> {
    if (items.length === 0) return new Set();
    const now = this.deps.now();
    const shardedSuccesses: FinishingRun[] = [];
    let plannedFollowUps = false;
    const taken = this.deps.acceptances?.take(items.map((item) => item.run.id));
    const finishing = inTransaction(this.deps.db, async (trx) => {
      const jobs = new Map<number, JobFollowUps>((await getJobFollowUps(trx, [...new Set(items.map((i) => i.run.jobId))])).map((job) => [job.id, job]));
      const fires: NewPlannedFire[] = [];
      const perDay = new Map<string, { succeeded: number; failed: number }>();
      const resumes = new Map<number, number>();
      const willRetry = (run: FinishingRun, outcome: RunOutcome): boolean =>
        FAILED_RUN_STATES.includes(outcome.state) && outcome.retryable && run.retriesLeft > 0 && jobs.has(run.jobId);
      // One set-based conditional update finishes the batch; the runs it reports are the ones this call finished.
      const done = await finishRuns(
        trx,
        items.map(({ run, outcome }) => {
          const trigger = taken?.outcomes.get(run.id);
          return {
            id: run.id,
            finish: {
              state: outcome.state,
              handleMessage: outcome.message,
              handleTime: now,
              // A killed run is never retried, whoever reports it: an executor's own KILLED report (for a run it
              // was told to drop) may race the admin's and says retryable, yet the kill was meant to end it.
              retryable: outcome.retryable && outcome.state !== "KILLED",
              alarmState: FAILED_RUN_STATES.includes(outcome.state) && !willRetry(run, outcome) ? "NONE" : "SKIPPED",
              ...(trigger === undefined ? {} : { trigger }),
            },
          };
        }),
      );
      const seen = new Set<number>();
      for (const { run, outcome } of items) {
        if (!done.has(run.id) || seen.has(run.id)) continue;
        seen.add(run.id);
        const job = jobs.get(run.jobId);
        const day = reportDay(run.triggerTime, this.deps.reportTimeZone);
        const counts = perDay.get(day) ?? { succeeded: 0, failed: 0 };
        if (outcome.state === "SUCCEEDED") counts.succeeded++;
        else counts.failed++;
        perDay.set(day, counts);
        if (job === undefined) continue;
        if (willRetry(run, outcome)) {
          fires.push({ jobId: job.id, scheduledTime: now + retryDelayMs(job.retry, run.attempt, this.random), triggerType: "RETRY", originRunId: run.id });
          continue;
        }
        if (run.shardTotal > 1) {
          if (outcome.state === "SUCCEEDED" || job.scheduleType === "FIX_DELAY") shardedSuccesses.push(run);
          continue;
        }
        if (outcome.state === "SUCCEEDED") fires.push(...childFires(job, run));
        if (job.scheduleType === "FIX_DELAY" && SCHEDULED_TRIGGERS.has(run.triggerType)) resumes.set(job.id, now + Number(job.scheduleConf) * 1000);
      }
      // Job rows and report rows are locked in key order, so that two batches finishing at once (the callback
      // stream applies several) cannot each hold a row the other waits for.
      for (const [jobId, at] of [...resumes].sort(([a], [b]) => a - b)) await resumeDelayedJob(trx, jobId, at, now);
      if (fires.length > 0) plannedFollowUps = (await insertPlannedFires(trx, fires, now)) > 0;
      for (const [day, counts] of [...perDay].sort(([a], [b]) => a.localeCompare(b))) await addToDailyReport(trx, day, { running: 0, ...counts }, now);
      return done;
    });
    let finished: Set<number>;
    try {
      finished = await finishing;
    } catch (error) {
      taken?.settle(new Set());
      throw error;
    }
    taken?.settle(finished);
    // Counted after commit, so that rolled-back work is not; every final state passes through here.
    const counted = new Set<number>();
    for (const { run, outcome } of items) {
      if (!finished.has(run.id) || counted.has(run.id)) continue;
      counted.add(run.id);
      this.deps.metrics?.runFinished(outcome.state);
    }
    for (const run of shardedSuccesses) {
      if (await this.followUpBatch(run)) plannedFollowUps = true;
    }
    if (plannedFollowUps) this.deps.onFollowUpsPlanned?.();
    return finished;
  }

  /**
   * After a shard of a batch finished: once every shard's latest attempt is final and no retry is pending, plans
   * the children (when all succeeded) and moves a FIX_DELAY schedule on. Returns whether it planned fires.
   */
  private async followUpBatch(run: FinishingRun): Promise<boolean> {
    const { db, now } = this.deps;
    const batch = await listBatchRuns(db, run.batchId);
    const latest = new Map<number, Run>();
    for (const shard of batch) {
      const seen = latest.get(shard.shardIndex);
      if (seen === undefined || shard.attempt >= seen.attempt) latest.set(shard.shardIndex, shard);
    }
    const shards = [...latest.values()];
    if (shards.length < run.shardTotal) return false;
    // A failed shard with retries left will be retried; its retry is not in the batch yet when it is still planned.
    // A failed shard whose alarm was skipped has a retry pending (its retry run may not exist yet).
    const settled = shards.every((s) => s.state === "SUCCEEDED" || s.state === "KILLED" || (FAILED_RUN_STATES.includes(s.state) && s.alarmState !== "SKIPPED"));
    if (!settled) return false;
    const [job] = await getJobFollowUps(db, [run.jobId]);
    if (job === undefined) return false;
    const at = now();
    if (job.scheduleType === "FIX_DELAY" && SCHEDULED_TRIGGERS.has(run.triggerType)) {
      await resumeDelayedJob(db, job.id, at + Number(job.scheduleConf) * 1000, at);
    }
    if (!shards.every((s) => s.state === "SUCCEEDED")) return false;
    const fires = childFires(job, { ...run, scheduledTime: Math.min(...shards.map((s) => s.scheduledTime)) });
    return fires.length > 0 && (await insertPlannedFires(db, fires, at)) > 0;
  }
}

/**
 * The PARENT fires of a succeeded run: one per child job, keyed by the parent's batch and scheduled instant so
 * that the same parent never fires a child twice.
 */
function childFires(job: JobFollowUps, run: Pick<Run, "batchId" | "scheduledTime">): NewPlannedFire[] {
  return job.childJobIds.map((childId) => ({ jobId: childId, scheduledTime: run.scheduledTime, triggerType: "PARENT", originRunId: run.batchId }));
}
