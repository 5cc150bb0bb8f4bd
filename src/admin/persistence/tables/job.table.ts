import type { Generated } from "kysely";

/** `jw_job`: job definitions plus the scheduler's state of each job (XXL-JOB's job_info). */
export interface JobTable {
  id: Generated<number>;
  /** Random identity that survives export and import (migration 0004); set for every job, unique. */
  uid: string | null;
  group_id: number;
  name: string;
  description: string;
  author: string;
  /** JSON array of e-mail addresses. */
  alarm_emails: string;
  /** JSON array of webhook URLs. */
  alarm_webhook_urls: string;
  schedule_type: string;
  schedule_conf: string;
  time_zone: string;
  misfire_strategy: string;
  route_strategy: string;
  handler: string;
  param: string;
  block_strategy: string;
  concurrency: number;
  timeout_seconds: number;
  retry_count: number;
  retry_backoff: string;
  retry_interval_ms: number;
  retry_max_interval_ms: number;
  glue_type: string;
  glue_source: string;
  glue_remark: string;
  glue_update_time: number;
  /** JSON array of job ids. */
  child_job_ids: string;
  /** A `JobState`. */
  state: string;
  last_fire_time: number;
  next_fire_time: number;
  version: number;
  create_time: number;
  update_time: number;
}
