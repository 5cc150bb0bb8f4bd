/**
 * The persistence layer of the admin: opening a database, migrating it, and one repository per table. All SQL
 * of the admin lives below this folder; repositories take the Kysely instance (or a transaction) first and speak
 * domain types only.
 */
export { openDatabase } from "./database.js";
export type { JobwireDatabase, OpenDatabaseOptions } from "./database.js";
export { dialectOfUrl, parseDatabaseUrl, redactDatabaseUrl } from "./database-url.js";
export type { DatabaseLocation } from "./database-url.js";
export { DIALECT_NAMES, dialectOf, isUniqueViolation } from "./dialect.js";
export type { DialectName } from "./dialect.js";
export { migrateToLatest } from "./migrate.js";
export { checkPageRequest } from "./paging.js";
export type { Page, PageRequest } from "./paging.js";
export { CorruptRowError } from "./row-values.js";
export { inTransaction } from "./transaction.js";
export { UniqueViolationError } from "./unique-violation-error.js";
export type { Database } from "./tables/index.js";

export { insertAuditEntry, listAuditEntries } from "./repositories/audit.repository.js";
export type { AuditFilter, NewAuditEntry } from "./repositories/audit.repository.js";
export {
  deleteDeadCredentials,
  deleteExpiredCredentials,
  findActiveCredentialByHash,
  getCredential,
  insertCredential,
  listApiKeys,
  listCredentials,
  revokeCredential,
  revokeUserSessions,
  touchCredential,
} from "./repositories/credential.repository.js";
export type { CredentialFilter, NewCredential } from "./repositories/credential.repository.js";
export { deleteGroup, getGroup, getGroupByAppName, insertGroup, listGroups, lockGroup, updateGroup } from "./repositories/executor-group.repository.js";
export type { ExecutorGroupFilter, ExecutorGroupPatch, NewExecutorGroup } from "./repositories/executor-group.repository.js";
export { GLUE_VERSIONS_KEPT, getGlueVersion, insertGlueVersion, listGlueVersions, listGlueVersionsPage } from "./repositories/glue-version.repository.js";
export type { NewGlueVersion } from "./repositories/glue-version.repository.js";
export {
  resumeDelayedJob,
  countJobs,
  countJobsInGroup,
  deleteJob,
  getJob,
  getJobs,
  getJobsByUid,
  getJobUids,
  insertJob,
  listJobs,
  listParentJobIds,
  setJobGlueSource,
  setJobSchedule,
  updateJob,
} from "./repositories/job.repository.js";
export type { JobFilter, JobPatch, JobSchedule, NewJob } from "./repositories/job.repository.js";
export { claimDueJobs, getDispatchJobs, getJobFollowUps } from "./repositories/job-hot-path.repository.js";
export type { DispatchJob, DueJob, JobFollowUps } from "./repositories/job-hot-path.repository.js";
export { getLease, releaseLease, tryAcquireLease } from "./repositories/lease.repository.js";
export {
  cancelPlannedScheduleFires,
  claimPlannedFires,
  deleteDispatchedFiresBefore,
  getPlannedFire,
  insertPlannedFires,
  insertPlannedFiresReturning,
  listDispatchableFires,
  listOwnFiresAfter,
  listPlannedFires,
  markFiresDispatched,
  releaseFires,
} from "./repositories/planned-fire.repository.js";
export type { NewPlannedFire, PlannedFireFilter } from "./repositories/planned-fire.repository.js";
export { deleteRegistryEntriesBefore, deleteRegistryEntriesOfApp, listRegistryEntries, removeRegistryEntry, upsertRegistryEntry } from "./repositories/registry.repository.js";
export type { RegistryBeat, RegistryFilter } from "./repositories/registry.repository.js";
export { deleteRequestKeysBefore, getRequestKey, insertRequestKey } from "./repositories/request-key.repository.js";
export type { RequestKey, StoredRequest } from "./repositories/request-key.repository.js";
export { addToDailyReport, listDailyReports, REPORT_SLOTS } from "./repositories/report.repository.js";
export type { ReportDeltas } from "./repositories/report.repository.js";
export {
  completeRun,
  countRunsByBucket,
  countRunsByState,
  deleteFinishedRuns,
  getRun,
  insertRun,
  insertRuns,
  listRuns,
  markRunTriggered,
  markRunsTriggered,
  nthNewestRunId,
  setRunAlarmState,
} from "./repositories/run.repository.js";
export type { NewRun, RunClearScope, RunCompletion, RunFilter, TriggerOutcome } from "./repositories/run.repository.js";
export { countEnabledAdmins, countUsers, deleteUser, getUser, getUserByUsername, insertUser, listUsers, updateUser } from "./repositories/user.repository.js";
export type { NewUser, UserFilter, UserPatch } from "./repositories/user.repository.js";
export {
  FAILED_RUN_STATES,
  deleteFinishedRunsBefore,
  finishRun,
  finishRuns,
  getFinishingRuns,
  getRuns,
  listAlarmDueRuns,
  listBatchRuns,
  listOverdueRuns,
  listRunningRuns,
  listStalePendingRuns,
  listUnstartedScheduledRuns,
  setMissedBeats,
} from "./repositories/run-lifecycle.repository.js";
export { applyJobPlans, type JobPlan } from "./repositories/job-plan.repository.js";
export type { FinishingRun, RunFinish } from "./repositories/run-lifecycle.repository.js";
