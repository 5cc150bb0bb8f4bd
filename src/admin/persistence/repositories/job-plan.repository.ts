import type { Kysely } from "kysely";
import { caseById, chunks } from "../bulk-case.js";
import { dialectOf, toNumber } from "../dialect.js";
import type { Database } from "../tables/index.js";
import type { JobSchedule } from "./job.repository.js";

/** The outcome of planning one claimed job: its schedule as read, and what it becomes. */
export interface JobPlan {
  readonly id: number;
  /** The next fire time the plan was computed from. */
  readonly expectedNextFireTime: number;
  readonly schedule: JobSchedule;
}

/**
 * Writes the plans of jobs claimed in this transaction (`claimDueJobs`) with one UPDATE per chunk instead of one
 * per job. Each row is still guarded by its expected next fire time and RUNNING state. The claim has locked the
 * rows (MySQL/PostgreSQL `FOR UPDATE`; SQLite has a single writer and one admin), so every guarded row must
 * match: a count that differs means the rows changed under the claim, and the error rolls the whole planning
 * transaction back — no fire is planned for a job whose schedule was not advanced with it.
 */
export async function applyJobPlans(trx: Kysely<Database>, plans: readonly JobPlan[], now: number): Promise<void> {
  const dialect = dialectOf(trx);
  for (const chunk of chunks(plans)) {
    const column = <V extends string | number>(pick: (plan: JobPlan) => V): Map<number, V> => new Map(chunk.map((plan) => [plan.id, pick(plan)]));
    const result = await trx
      .updateTable("jw_job")
      .set({
        state: caseById(dialect, column((p) => p.schedule.state), "text"),
        next_fire_time: caseById(dialect, column((p) => p.schedule.nextFireTime), "bigint"),
        last_fire_time: caseById(dialect, column((p) => p.schedule.lastFireTime), "bigint"),
        update_time: now,
      })
      .where("id", "in", chunk.map((plan) => plan.id))
      .where("state", "=", "RUNNING")
      .where((eb) => eb("next_fire_time", "=", caseById(dialect, column((p) => p.expectedNextFireTime), "bigint")))
      .executeTakeFirst();
    const updated = toNumber(result.numUpdatedRows);
    if (updated !== chunk.length) {
      throw new Error(`planning: ${chunk.length - updated} of ${chunk.length} claimed jobs changed under the claim; the round is rolled back and retried`);
    }
  }
}
