import type { Generated } from "kysely";

/** `jw_executor_group`: one row per executor group (XXL-JOB's job_group). */
export interface ExecutorGroupTable {
  id: Generated<number>;
  /** Unique; registrations and executor credentials refer to the group by it. */
  app_name: string;
  title: string;
  /** An `AddressType`. */
  address_type: string;
  /** JSON array of the configured addresses of a MANUAL group. */
  manual_addresses: string;
  access_token: string;
  create_time: number;
  update_time: number;
}
