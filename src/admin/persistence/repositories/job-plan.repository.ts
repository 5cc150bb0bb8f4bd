import { sql, type Kysely, type SqlBool } from "kysely";
import { bulkUpdate, chunks } from "../bulk-update.js";
import { filterOnly } from "../dialect.js";
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
  for (const chunk of chunks(plans)) {
    const { count } = await bulkUpdate(trx, {
      table: "jw_job",
      rows: chunk,
      id: (plan) => plan.id,
      values: {
        state: { type: "text", of: (plan) => plan.schedule.state },
        next_fire_time: { type: "bigint", of: (plan) => plan.schedule.nextFireTime },
        last_fire_time: { type: "bigint", of: (plan) => plan.schedule.lastFireTime },
        expected_next_fire_time: { type: "bigint", of: (plan) => plan.expectedNextFireTime },
      },
      set: (value) => ({ state: value("state"), next_fire_time: value("next_fire_time"), last_fire_time: value("last_fire_time"), update_time: now }),
      // Re-checks of the rows found by id (see filterOnly): the state index must not be used to find them.
      where: (value, current) => sql<SqlBool>`${filterOnly(current("state"))} = ${"RUNNING"} and ${current("next_fire_time")} = ${value("expected_next_fire_time")}`,
    });
    if (count !== chunk.length) {
      throw new Error(`planning: ${chunk.length - count} of ${chunk.length} claimed jobs changed under the claim; the round is rolled back and retried`);
    }
  }
}
