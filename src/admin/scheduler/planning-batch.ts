import type { Kysely } from "kysely";
import type { PlannedFire } from "../domain/index.js";
import { applyJobPlans, claimDueJobs, insertPlannedFiresReturning, type Database, type JobPlan, type NewPlannedFire } from "../persistence/index.js";
import { planFires, type FirePlan } from "../schedule/fire-planner.js";
import type { Logger } from "../../shared/logger.js";

/** What one planning batch needs to know; the scheduler's options. */
export interface PlanningBatchOptions {
  readonly nodeId: string;
  readonly preReadMs: number;
  readonly batchSize: number;
  readonly misfireThresholdMs: number;
  readonly takeoverAfterMs: number;
  readonly defaultTimeZone: string;
}

/** What one planning batch did. */
export interface PlanningBatch {
  /** Jobs claimed; fewer than the batch size means no more are due now. */
  readonly claimed: number;
  /** Jobs whose schedule was advanced. */
  readonly advanced: number;
  /** Fires that were new (a fire already planned, by another admin say, is not). */
  readonly count: number;
  /** Those fires with their ids where the database returns inserted rows (PostgreSQL, SQLite); else undefined. */
  readonly fires: PlannedFire[] | undefined;
}

/**
 * How far ahead a claimed job's fires are planned, in pre-read windows. A job is claimed once its next fire is within
 * the pre-read window, and its fires are then planned up to twice as far: a job firing every second is claimed every
 * five seconds or so rather than every round, and a claim (reading the job and advancing its schedule, a write of
 * the whole job row) was a fifth of the database's work per fire. A schedule changed or stopped meanwhile cancels
 * the fires planned for it that were not dispatched yet (see `cancelPlannedScheduleFires`).
 */
const PLANNING_HORIZON_WINDOWS = 2;

/**
 * One planning transaction's work (run it inside one): claims up to a batch of due jobs, writes their planned fires
 * (owned by this admin, leased until `takeoverAfterMs` past each instant) and advances their schedules, so that a
 * fire is planned if and only if its job moved past it.
 */
export async function planDueBatch(trx: Kysely<Database>, now: number, options: PlanningBatchOptions, logger: Logger): Promise<PlanningBatch> {
  const jobs = await claimDueJobs(trx, now + options.preReadMs, options.batchSize);
  const fires: NewPlannedFire[] = [];
  const plans: JobPlan[] = [];
  for (const job of jobs) {
    const plan = planJob(job, now, options, logger);
    plans.push({
      id: job.id,
      expectedNextFireTime: job.nextFireTime,
      schedule: { state: plan.keepRunning ? "RUNNING" : "STOPPED", nextFireTime: plan.nextFireTime, lastFireTime: plan.lastFireTime },
    });
    if (!plan.keepRunning) logger.info("job stopped: its schedule has no future fire time", { job: job.id });
    for (const fire of plan.fires) {
      fires.push({
        jobId: job.id,
        scheduledTime: fire.scheduledTime,
        triggerType: fire.triggerType,
        owner: options.nodeId,
        leaseUntil: Math.max(fire.scheduledTime, now) + options.takeoverAfterMs,
      });
    }
  }
  // One statement per chunk advances every claimed job; it fails the transaction rather than plan a fire whose job
  // was not advanced with it.
  await applyJobPlans(trx, plans, now);
  const { count, fires: inserted } = await insertPlannedFiresReturning(trx, fires, now);
  return { claimed: jobs.length, advanced: plans.length, count, fires: inserted };
}

function planJob(job: Parameters<typeof planFires>[0] & { readonly id: number }, now: number, options: PlanningBatchOptions, logger: Logger): FirePlan {
  const horizonMs = options.preReadMs * PLANNING_HORIZON_WINDOWS;
  try {
    return planFires(job, {
      now,
      horizonMs,
      misfireThresholdMs: options.misfireThresholdMs,
      defaultTimeZone: options.defaultTimeZone,
      // A 1 s FIX_RATE job has one fire per second of the horizon, plus one for its edges.
      maxFiresPerJob: Math.ceil(horizonMs / 1000) + 1,
    });
  } catch (error) {
    // A stored schedule that no longer parses (e.g. a time zone removed from the system) must not stall the loop for
    // every other job: the job stops, and the reason is logged.
    logger.error("job stopped: its schedule cannot be evaluated", { job: job.id, error: error instanceof Error ? error.message : String(error) });
    return { fires: [], nextFireTime: 0, lastFireTime: job.lastFireTime, keepRunning: false, misfired: false };
  }
}
