import { durationMs } from "@bufbuild/protobuf/wkt";
import type { ClearRunsRequest } from "../../../gen/jobwire/v1/run_service_pb.js";
import type { UserPrincipal } from "../../auth/principal.js";
import { recordAudit } from "../../audit/index.js";
import type { AdminContext } from "../../context.js";
import { InvalidArgumentError, NotFoundError } from "../../errors.js";
import { deleteFinishedRuns, getJob, inTransaction, nthNewestRunId, type RunClearScope } from "../../persistence/index.js";
import { assertGroupAccess } from "../principal-guards.js";
import { Collections, formatName, parseOptionalName } from "../resource-names.js";

export const CLEAR_RUNS_ACTION = "jobwire.v1.RunService/ClearRuns";
/** Runs deleted per transaction (XXL-JOB deletes in batches of 1 000 ids too). */
export const CLEAR_BATCH_SIZE = 1_000;

/** The clearing policy as the audit log records it. */
type ClearPolicy = { readonly olderThanMs: number } | { readonly keepLast: number } | { readonly all: true };

/**
 * Deletes finished runs by policy within a group, a job, or every group the user may see, and returns how many
 * went. Each batch is its own short transaction; the audit entry (scope, policy, total) is written in the
 * transaction of the last batch, so it commits with the end of the clear.
 */
export async function clearRuns(app: AdminContext, user: UserPrincipal, req: ClearRunsRequest): Promise<number> {
  const groupId = parseOptionalName("executor_group", req.executorGroup, Collections.executorGroup);
  const jobId = parseOptionalName("job", req.job, Collections.job);
  if (groupId !== undefined) assertGroupAccess(user, groupId, req.executorGroup);
  if (jobId !== undefined) {
    const job = await getJob(app.db, jobId);
    if (job === undefined) throw new NotFoundError(req.job);
    assertGroupAccess(user, job.groupId, req.job);
    if (groupId !== undefined && job.groupId !== groupId) throw new InvalidArgumentError("job", `${req.job} belongs to ${formatName(Collections.executorGroup, job.groupId)}, not to ${req.executorGroup}`);
  }
  const groupIds = groupId !== undefined ? [groupId] : user.role === "ADMIN" ? undefined : [...user.permittedGroupIds];
  const base: RunClearScope = { ...(groupIds === undefined ? {} : { groupIds }), ...(jobId === undefined ? {} : { jobId }) };
  const policy = parsePolicy(req);
  const now = app.now();
  let scope: RunClearScope | undefined = base;
  if ("olderThanMs" in policy) scope = { ...base, triggeredBefore: now - policy.olderThanMs };
  if ("keepLast" in policy && policy.keepLast > 0) {
    const oldestKept = await nthNewestRunId(app.db, base, policy.keepLast);
    // Fewer runs than the number to keep: nothing to delete.
    scope = oldestKept === undefined ? undefined : { ...base, idBelow: oldestKept };
  }
  const audit = { action: CLEAR_RUNS_ACTION, resource: req.job || req.executorGroup || "runs", after: { executorGroup: req.executorGroup, job: req.job, policy, deletedCount: 0 } };
  let total = 0;
  for (;;) {
    const clearScope = scope;
    const done = await inTransaction(app.db, async (trx) => {
      const deleted = clearScope === undefined ? 0 : await deleteFinishedRuns(trx, clearScope, CLEAR_BATCH_SIZE);
      total += deleted;
      if (deleted >= CLEAR_BATCH_SIZE) return false;
      await recordAudit(trx, user, { ...audit, after: { ...audit.after, deletedCount: total } }, app.now());
      return true;
    });
    if (done) return total;
  }
}

function parsePolicy(req: ClearRunsRequest): ClearPolicy {
  const policy = req.policy;
  switch (policy.case) {
    case "olderThan": {
      const ms = durationMs(policy.value);
      if (!(ms > 0)) throw new InvalidArgumentError("older_than", "must be a positive duration");
      return { olderThanMs: ms };
    }
    case "keepLast":
      if (policy.value < 0) throw new InvalidArgumentError("keep_last", "must not be negative");
      return { keepLast: policy.value };
    case "all":
      if (!policy.value) throw new InvalidArgumentError("all", "must be true when it is the chosen policy");
      return { all: true };
    default:
      throw new InvalidArgumentError("policy", "set one of older_than, keep_last or all");
  }
}
