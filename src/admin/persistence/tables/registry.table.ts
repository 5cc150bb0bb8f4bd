import type { Generated } from "kysely";

/** `jw_registry`: the latest heartbeat of one executor address of one app name, unique per (app_name, address). */
export interface RegistryTable {
  id: Generated<number>;
  app_name: string;
  address: string;
  /** JSON array of handler names. */
  handler_names: string;
  sdk_version: string;
  /** JSON array of run ids. */
  running_run_ids: string;
  /** JSON object: job id → queued runs. */
  queue_depths: string;
  first_beat_time: number;
  last_beat_time: number;
}
