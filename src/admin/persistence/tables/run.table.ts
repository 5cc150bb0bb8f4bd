import type { Generated } from "kysely";

/** `jw_run`: one attempt to execute a fire on one executor (XXL-JOB's job_log). */
export interface RunTable {
  id: Generated<number>;
  job_id: number;
  group_id: number;
  fire_id: number;
  trigger_type: string;
  scheduled_time: number;
  trigger_time: number;
  executor_address: string;
  handler: string;
  param: string;
  shard_index: number;
  shard_total: number;
  attempt: number;
  retries_left: number;
  origin_run_id: number;
  trigger_state: string;
  /** JSON of a `TriggerReport`; null until the trigger result is recorded. */
  trigger_report: string | null;
  state: string;
  deadline_time: number;
  handle_time: number;
  handle_message: string;
  /** 1 or 0. */
  retryable: number;
  alarm_state: string;
  update_time: number;
  /** First run of the trigger this run belongs to; 0 means the run itself. */
  batch_id: Generated<number>;
  /** Consecutive executor beats that did not list this RUNNING run. */
  missed_beats: Generated<number>;
}
