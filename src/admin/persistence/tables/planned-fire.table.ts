import type { Generated } from "kysely";

/** `jw_planned_fire`: durable planned fires, unique per (job_id, scheduled_time, origin_run_id). */
export interface PlannedFireTable {
  id: Generated<number>;
  job_id: number;
  scheduled_time: number;
  trigger_type: string;
  /** A `PlannedFireState`. */
  state: string;
  owner: string;
  lease_until: number;
  create_time: number;
  dispatch_time: number;
  /** The failed run a RETRY fire retries, or the parent run (first of its batch) of a PARENT fire; else 0. */
  origin_run_id: Generated<number>;
}
