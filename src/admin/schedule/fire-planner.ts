import type { Job, TriggerType } from "../domain/index.js";
import { nextFireTime } from "./next-fire-time.js";

/** One fire to persist as a planned fire. */
export interface PlannedFireDraft {
  readonly scheduledTime: number;
  readonly triggerType: TriggerType;
}

/** What the scheduler writes back for a claimed job, in the same transaction as its planned fires. */
export interface FirePlan {
  readonly fires: readonly PlannedFireDraft[];
  /** The job's new next fire time; 0 when the schedule has ended or waits for a run to finish (FIX_DELAY). */
  readonly nextFireTime: number;
  /** Scheduled instant of the latest planned fire, or the job's previous value when nothing fires. */
  readonly lastFireTime: number;
  /** False when the schedule has no future instant: the job stops itself. */
  readonly keepRunning: boolean;
  /** True when fires were skipped by DO_NOTHING. */
  readonly misfired: boolean;
}

export interface PlanningInput {
  readonly now: number;
  /** Fires up to `now + horizonMs` are planned now and dispatched at their instant. */
  readonly horizonMs: number;
  /** A fire later than this is a misfire. */
  readonly misfireThresholdMs: number;
  readonly defaultTimeZone: string;
  /** Upper bound of fires planned for one job in one window (a 1 s FIX_RATE job plans 5 in a 5 s window). */
  readonly maxFiresPerJob: number;
}

/**
 * Decides the fires of one due job (its next fire time is at or before `now + horizonMs`):
 * - later than the misfire threshold: DO_NOTHING skips to the next instant after now; FIRE_ONCE_NOW fires once,
 *   now, however many instants were missed (trigger type MISFIRE), then continues after now;
 * - otherwise every instant up to the end of the window is planned at its exact time (late by less than the
 *   threshold fires at once, keeping its planned instant so FIX_RATE keeps its phase);
 * - FIX_DELAY plans a single fire and then waits: the next one is computed when that run finishes.
 */
export function planFires(job: Pick<Job, "scheduleType" | "scheduleConf" | "timeZone" | "misfireStrategy" | "nextFireTime" | "lastFireTime">, input: PlanningInput): FirePlan {
  const { now, horizonMs, misfireThresholdMs, defaultTimeZone, maxFiresPerJob } = input;
  const windowEnd = now + horizonMs;
  const fires: PlannedFireDraft[] = [];
  let next = job.nextFireTime;
  let misfired = false;

  if (now - next > misfireThresholdMs) {
    misfired = true;
    if (job.misfireStrategy === "FIRE_ONCE_NOW") fires.push({ scheduledTime: now, triggerType: "MISFIRE" });
    next = job.scheduleType === "FIX_DELAY" && fires.length > 0 ? 0 : resumeAfter(job, next, now, defaultTimeZone);
  }

  while (next > 0 && next <= windowEnd && fires.length < maxFiresPerJob) {
    fires.push({ scheduledTime: next, triggerType: "SCHEDULE" });
    if (job.scheduleType === "FIX_DELAY") {
      next = 0;
      break;
    }
    next = nextFireTime(job, next, defaultTimeZone) ?? 0;
  }

  const waitsForCompletion = job.scheduleType === "FIX_DELAY" && fires.length > 0;
  return {
    fires,
    nextFireTime: next,
    lastFireTime: fires.length > 0 ? Math.max(...fires.map((f) => f.scheduledTime)) : job.lastFireTime,
    keepRunning: next > 0 || waitsForCompletion,
    misfired,
  };
}

/**
 * The first instant strictly after `now` once fires were missed. FIX_RATE stays on its original grid (XXL-JOB
 * re-anchors to "now", so its phase drifts after every misfire); the other types compute from now.
 */
function resumeAfter(job: Pick<Job, "scheduleType" | "scheduleConf" | "timeZone">, missed: number, now: number, defaultTimeZone: string): number {
  if (job.scheduleType === "FIX_RATE") {
    const period = Number(job.scheduleConf) * 1000;
    return missed + (Math.floor((now - missed) / period) + 1) * period;
  }
  return nextFireTime(job, now, defaultTimeZone) ?? 0;
}
