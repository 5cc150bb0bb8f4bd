import type { Generated } from "kysely";

/** `jw_audit_log`: who changed what, with the resource before and after. */
export interface AuditLogTable {
  id: Generated<number>;
  time: number;
  actor_user_id: number;
  actor_name: string;
  action: string;
  resource: string;
  /** `before` is a reserved word in MySQL, hence the suffix on both columns. */
  before_json: string;
  after_json: string;
}
