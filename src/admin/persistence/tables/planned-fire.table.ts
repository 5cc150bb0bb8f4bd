import type { Generated } from "kysely";

/** `jw_planned_fire`: durable planned fires, unique per (job_id, scheduled_time). */
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
}
