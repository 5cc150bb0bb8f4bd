import type { Generated } from "kysely";

/** `jw_request`: idempotency keys of console calls, with the names the first call answered with. */
export interface RequestTable {
  id: Generated<number>;
  user_id: number;
  /** Full RPC name, e.g. `jobwire.v1.JobService/CreateJob`. */
  method: string;
  request_id: string;
  /** JSON array of the resource names of the first call's response. */
  response_json: string;
  create_time: number;
}
