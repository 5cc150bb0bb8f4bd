import type { AuditLogTable } from "./audit-log.table.js";
import type { CredentialTable } from "./credential.table.js";
import type { DailyReportTable } from "./daily-report.table.js";
import type { ExecutorGroupTable } from "./executor-group.table.js";
import type { GlueVersionTable } from "./glue-version.table.js";
import type { JobTable } from "./job.table.js";
import type { LeaseTable } from "./lease.table.js";
import type { PlannedFireTable } from "./planned-fire.table.js";
import type { RegistryTable } from "./registry.table.js";
import type { RequestTable } from "./request.table.js";
import type { RunTable } from "./run.table.js";
import type { UserTable } from "./user.table.js";

/**
 * The Kysely schema of jobwire. Times are BIGINT epoch milliseconds, booleans are 0/1 small ints, JSON is
 * stored as text and enums as varchar holding the values listed in `domain/enums.ts`.
 */
export interface Database {
  jw_executor_group: ExecutorGroupTable;
  jw_registry: RegistryTable;
  jw_job: JobTable;
  jw_glue_version: GlueVersionTable;
  jw_run: RunTable;
  jw_planned_fire: PlannedFireTable;
  jw_daily_report_slot: DailyReportTable;
  jw_user: UserTable;
  jw_credential: CredentialTable;
  jw_audit_log: AuditLogTable;
  jw_lease: LeaseTable;
  jw_request: RequestTable;
}

export type {
  AuditLogTable,
  CredentialTable,
  DailyReportTable,
  ExecutorGroupTable,
  GlueVersionTable,
  JobTable,
  LeaseTable,
  PlannedFireTable,
  RegistryTable,
  RequestTable,
  RunTable,
  UserTable,
};
