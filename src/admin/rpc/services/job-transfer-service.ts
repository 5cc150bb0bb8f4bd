import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { ExportedJobSchema, ImportOutcome, type ExportedJob, type JobService } from "../../../gen/jobwire/v1/job_service_pb.js";
import { recordAudit } from "../../audit/index.js";
import { canAccessGroup, type UserPrincipal } from "../../auth/principal.js";
import { generateAccessToken } from "../../auth/secrets.js";
import type { AdminContext } from "../../context.js";
import type { ExecutorGroup, Job } from "../../domain/index.js";
import { InvalidArgumentError, PermissionDeniedError } from "../../errors.js";
import { findChildCycle } from "../../jobs/child-cycle.js";
import { importedGlueSource, sameImportedJob, type ImportPlan } from "../../jobs/job-import.js";
import {
  getGroup,
  getGroupByAppName,
  getJob,
  getJobsByUid,
  getJobUids,
  inTransaction,
  insertGlueVersion,
  insertGroup,
  lockGroup,
  insertJob,
  listJobs,
  setJobGlueSource,
  updateJob,
} from "../../persistence/index.js";
import { jobDefinitionFromProto, jobToProto } from "../convert/job.js";
import { requireUser } from "../principal-guards.js";
import { Collections, formatName, parseName } from "../resource-names.js";
import { checkAppName } from "./executor-group-service.js";
import { followNewSchedule, jobAction, loadJob } from "./job-access.js";
import { validateJobDefinition } from "../../jobs/job-validation.js";

type TransferHandlers = Pick<ServiceImpl<typeof JobService>, "exportJobs" | "importJobs">;

const KEY = /^[A-Za-z0-9._:-]{1,64}$/;

/** Thrown inside the import transaction to roll a `validate_only` import back after it did everything. */
class ValidateOnlyRollback extends Error {}

/**
 * Export and import of job definitions between installations.
 *
 * Identity: every job has a random uid (a UUID, migration 0004) that never changes and is never reused; the
 * export uses it as the job's `key`, and a job created by an import takes the key as its own uid. An import
 * therefore recognises "the same job" however often it is imported, into whichever installation, and also when
 * a job travels back to where it came from, while ids, names and display names (which are local or not unique)
 * play no part. Copies get a new uid, so a copy is a new job. Groups are matched by app name, the one name
 * executors and installations share.
 */
export function createJobTransferHandlers(app: AdminContext): TransferHandlers {
  return {
    async exportJobs(req, ctx) {
      const user = requireUser(ctx);
      const groupId = req.executorGroup === "" ? undefined : parseName("executor_group", req.executorGroup, Collections.executorGroup);
      let jobs: Job[] = [];
      if (req.names.length > 0) {
        for (const [i, name] of req.names.entries()) jobs.push(await loadJob(app.db, user, `names[${i}]`, name));
        if (groupId !== undefined) jobs = jobs.filter((j) => j.groupId === groupId);
      } else {
        const groupIds = groupId !== undefined ? [groupId] : user.role === "ADMIN" ? undefined : [...user.permittedGroupIds];
        const filter = groupIds === undefined ? {} : { groupIds: groupIds.filter((id) => canAccessGroup(user, id)) };
        let cursor: number | undefined;
        do {
          const page = await listJobs(app.db, filter, cursor === undefined ? { limit: 500 } : { limit: 500, cursor });
          jobs.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor !== undefined);
      }
      const uids = await getJobUids(app.db, [...new Set(jobs.flatMap((j) => [j.id, ...j.childJobIds]))]);
      const groups = new Map<number, ExecutorGroup | undefined>();
      for (const job of jobs) if (!groups.has(job.groupId)) groups.set(job.groupId, await getGroup(app.db, job.groupId));
      const exported = jobs.map((job) => {
        const group = groups.get(job.groupId);
        return create(ExportedJobSchema, {
          key: uids.get(job.id) ?? "",
          appName: group?.appName ?? "",
          groupDisplayName: group?.title ?? "",
          job: definitionMessage(job),
          childKeys: job.childJobIds.map((id) => uids.get(id)).filter((k): k is string => k !== undefined),
        });
      });
      return { jobs: exported, exportTime: timestampFromMs(app.now()) };
    },

    async importJobs(req, ctx) {
      const user = requireUser(ctx);
      const now = app.now();
      const seen = new Map<string, number>();
      req.jobs.forEach((entry, i) => {
        const first = seen.get(entry.key);
        if (first !== undefined) throw new InvalidArgumentError(`jobs[${i}].key`, `"${entry.key}" repeats the key of jobs[${first}]`);
        seen.set(entry.key, i);
      });
      const groups = await resolveGroups(app, user, req.jobs, req.createMissingGroups);
      const plans = req.jobs.map((entry, i) => planOne(entry, i, groups.get(entry.appName)));
      const existing = await getJobsByUid(app.db, plans.map((p) => p.key));
      for (const plan of plans) {
        const job = existing.get(plan.key);
        if (job !== undefined && !canAccessGroup(user, job.groupId)) {
          throw new InvalidArgumentError(`jobs[${plan.index}].key`, `"${plan.key}" is a job of an executor group you may not operate`);
        }
      }
      const run = async (): Promise<Awaited<ReturnType<TransferHandlers["importJobs"]>>> => {
        const results = await inTransaction(app.db, async (trx) => {
          const createdGroups: string[] = [];
          for (const [appName, group] of groups) {
            if (group !== undefined) continue;
            const title = req.jobs.find((j) => j.appName === appName)?.groupDisplayName.trim() || appName;
            const made = await insertGroup(trx, { appName, title, addressType: "AUTO", manualAddresses: [], accessToken: generateAccessToken() }, now);
            groups.set(appName, made);
            createdGroups.push(formatName(Collections.executorGroup, made.id));
            await recordAudit(trx, user, { action: jobAction("ImportJobs"), resource: formatName(Collections.executorGroup, made.id), after: made }, now);
          }
          // The groups were read before this transaction: lock them now, as saving a job does, so that none is
          // deleted while its jobs are written (a group deleted meanwhile fails the import).
          for (const [appName, group] of groups) {
            if (group !== undefined && (await lockGroup(trx, group.id)) === undefined) {
              throw new InvalidArgumentError(`jobs[${req.jobs.findIndex((j) => j.appName === appName)}].app_name`, `executor group "${appName}" was deleted during the import`);
            }
          }
          // First every new job exists (without children), so that child keys can point at jobs of this import.
          const idByKey = new Map<string, number>();
          const created = new Set<string>();
          for (const plan of plans) {
            const groupId = groups.get(plan.appName)?.id ?? 0;
            const local = existing.get(plan.key);
            if (local !== undefined) {
              idByKey.set(plan.key, local.id);
              continue;
            }
            const job = await insertJob(trx, { ...plan.definition, groupId, childJobIds: [], glueSource: plan.glueSource, glueRemark: plan.glueRemark }, now, plan.key);
            if (plan.glueSource !== "") await insertGlueVersion(trx, { jobId: job.id, glueType: job.glueType, source: plan.glueSource, remark: plan.glueRemark }, now);
            idByKey.set(plan.key, job.id);
            created.add(plan.key);
          }
          const missing = plans.flatMap((p) => p.childKeys).filter((k) => !idByKey.has(k));
          for (const [key, job] of await getJobsByUid(trx, [...new Set(missing)])) if (canAccessGroup(user, job.groupId)) idByKey.set(key, job.id);

          const out: { key: string; id: number; outcome: ImportOutcome }[] = [];
          for (const plan of plans) {
            const id = idByKey.get(plan.key) ?? 0;
            const childJobIds = plan.childKeys.map((key, j) => {
              const childId = idByKey.get(key);
              if (childId === undefined) throw new InvalidArgumentError(`jobs[${plan.index}].child_keys[${j}]`, `no job with key "${key}" in this import or on this installation`);
              if (childId === id) throw new InvalidArgumentError(`jobs[${plan.index}].child_keys[${j}]`, "a job cannot be its own child");
              return childId;
            });
            const definition = { ...plan.definition, groupId: groups.get(plan.appName)?.id ?? 0, childJobIds };
            const before = created.has(plan.key) ? undefined : existing.get(plan.key);
            const current = before ?? (await getJob(trx, id));
            if (current === undefined) throw new Error(`imported job ${id} vanished inside its transaction`);
            if (before !== undefined && sameImportedJob(before, definition, plan)) {
              out.push({ key: plan.key, id, outcome: ImportOutcome.UNCHANGED });
              continue;
            }
            let job = current;
            if (before === undefined ? childJobIds.length > 0 : true) job = (await updateJob(trx, id, definition, now)) ?? job;
            if (before !== undefined && definition.glueType !== "BEAN" && plan.glueSource !== "" && plan.glueSource !== before.glueSource) {
              job = (await setJobGlueSource(trx, id, { glueSource: plan.glueSource, glueRemark: plan.glueRemark }, now)) ?? job;
              await insertGlueVersion(trx, { jobId: id, glueType: job.glueType, source: plan.glueSource, remark: plan.glueRemark }, now);
            }
            if (before !== undefined) job = await followNewSchedule(trx, before, job, now, app.options.timeZone);
            await recordAudit(trx, user, { action: jobAction("ImportJobs"), resource: formatName(Collections.job, id), before, after: job }, now);
            out.push({ key: plan.key, id, outcome: before === undefined ? ImportOutcome.CREATED : ImportOutcome.UPDATED });
          }
          // Links may now close a cycle through jobs of this import and jobs already here.
          for (const plan of plans) {
            const id = idByKey.get(plan.key) ?? 0;
            const children = (await getJob(trx, id))?.childJobIds ?? [];
            const cycle = await findChildCycle(id, children, async (c) => (await getJob(trx, c))?.childJobIds);
            if (cycle !== undefined) throw new InvalidArgumentError(`jobs[${plan.index}].child_keys`, `would make a cycle of child jobs (${cycle.map((c) => formatName(Collections.job, c)).join(" → ")})`);
          }
          const response = {
            results: out.map((r) => ({
              key: r.key,
              job: req.validateOnly && r.outcome === ImportOutcome.CREATED ? "" : formatName(Collections.job, r.id),
              created: r.outcome === ImportOutcome.CREATED,
              outcome: r.outcome,
            })),
            createdCount: out.filter((r) => r.outcome === ImportOutcome.CREATED).length,
            updatedCount: out.filter((r) => r.outcome === ImportOutcome.UPDATED).length,
            unchangedCount: out.filter((r) => r.outcome === ImportOutcome.UNCHANGED).length,
            createdExecutorGroups: req.validateOnly ? [] : createdGroups,
          };
          if (req.validateOnly) throw new ValidateOnlyRollback(JSON.stringify(response));
          return response;
        });
        return results;
      };
      try {
        return await run();
      } catch (error) {
        if (error instanceof ValidateOnlyRollback) return JSON.parse(error.message) as Awaited<ReturnType<TransferHandlers["importJobs"]>>;
        throw error;
      }
    },
  };
}

/**
 * Maps each app name of an import to a local group: an existing group the user may operate, or (when missing
 * and `createMissing`, administrators only) undefined meaning "create it". Anything else is INVALID_ARGUMENT
 * naming the first job that uses the app name.
 */
async function resolveGroups(app: AdminContext, user: UserPrincipal, jobs: readonly ExportedJob[], createMissing: boolean): Promise<Map<string, ExecutorGroup | undefined>> {
  const groups = new Map<string, ExecutorGroup | undefined>();
  for (const [i, entry] of jobs.entries()) {
    const field = `jobs[${i}].app_name`;
    if (groups.has(entry.appName)) continue;
    if (entry.appName === "") throw new InvalidArgumentError(field, "is required");
    const group = await getGroupByAppName(app.db, entry.appName);
    if (group !== undefined && canAccessGroup(user, group.id)) {
      groups.set(entry.appName, group);
      continue;
    }
    if (group !== undefined || !createMissing) {
      throw new InvalidArgumentError(field, `executor group "${entry.appName}" does not exist on this installation; create it first or import with create_missing_groups`);
    }
    if (user.role !== "ADMIN") throw new PermissionDeniedError(`${field}: only administrators may create executor groups (group "${entry.appName}")`);
    checkAppName(field, entry.appName);
    groups.set(entry.appName, undefined);
  }
  return groups;
}

/** Checks one exported job and reads it into a plan (everything but its local group id and children). */
function planOne(entry: ExportedJob, index: number, group: ExecutorGroup | undefined): ImportPlan {
  const prefix = `jobs[${index}]`;
  if (!KEY.test(entry.key)) throw new InvalidArgumentError(`${prefix}.key`, `"${entry.key}" is not an export key (1–64 of A-Z, a-z, 0-9 and ._:-)`);
  if (entry.job === undefined) throw new InvalidArgumentError(`${prefix}.job`, "is required");
  entry.childKeys.forEach((key, j) => {
    if (!KEY.test(key)) throw new InvalidArgumentError(`${prefix}.child_keys[${j}]`, `"${key}" is not an export key`);
  });
  // The group and children are resolved later; a placeholder keeps the shared proto reader's checks meaningful.
  const message = { ...entry.job, executorGroup: formatName(Collections.executorGroup, group?.id ?? 1), childJobs: [] };
  const definition = jobDefinitionFromProto(message, `${prefix}.job`);
  validateJobDefinition(definition, `${prefix}.job`);
  const { glueSource, glueRemark } = importedGlueSource(definition.glueType, entry.job.glueSource, entry.job.glueRemark, `${prefix}.job`);
  return { index, key: entry.key, appName: entry.appName, definition, childKeys: [...entry.childKeys], glueSource, glueRemark };
}

/** The job message of an export: the definition and GLUE source only, nothing local to this installation. */
function definitionMessage(job: Job): ReturnType<typeof jobToProto> {
  const message = jobToProto(job);
  message.name = "";
  message.executorGroup = "";
  message.childJobs = [];
  message.state = 0;
  message.etag = "";
  message.glueUpdateTime = undefined;
  message.lastFireTime = undefined;
  message.nextFireTime = undefined;
  message.createTime = undefined;
  message.updateTime = undefined;
  return message;
}
