import type { ServiceImpl } from "@connectrpc/connect";
import type { JobService } from "../../../gen/jobwire/v1/job_service_pb.js";
import { recordAudit } from "../../audit/index.js";
import type { UserPrincipal } from "../../auth/principal.js";
import type { AdminContext } from "../../context.js";
import type { GlueType, Job } from "../../domain/index.js";
import { FailedPreconditionError, NotFoundError } from "../../errors.js";
import { normalizeGlueRemark, normalizeGlueSource } from "../../jobs/glue-source.js";
import { getGlueVersion, inTransaction, insertGlueVersion, listGlueVersionsPage, setJobGlueSource } from "../../persistence/index.js";
import { glueVersionToProto, jobToProto } from "../convert/job.js";
import { decodePageToken, nextPageToken, resolvePageSize, withCursor } from "../paging.js";
import { requireUser } from "../principal-guards.js";
import { Collections, formatName, parseChildName } from "../resource-names.js";
import { jobAction, loadJob } from "./job-access.js";

type GlueHandlers = Pick<ServiceImpl<typeof JobService>, "updateGlueSource" | "listGlueVersions" | "restoreGlueVersion">;

/**
 * The GLUE editor's RPCs. Saving a source (or restoring an old one) makes it the job's current source, appends it
 * to the job's history (the newest 30 versions are kept) and moves the job's GLUE stamp, on which executors
 * rebuild the script; all of it and the audit entry commit together.
 */
export function createJobGlueHandlers(app: AdminContext): GlueHandlers {
  const save = async (user: UserPrincipal, rpc: string, job: Job, glue: { glueType: GlueType; source: string; remark: string }): Promise<Job> => {
    const name = formatName(Collections.job, job.id);
    const now = app.now();
    return inTransaction(app.db, async (trx) => {
      const updated = await setJobGlueSource(trx, job.id, { glueType: glue.glueType, glueSource: glue.source, glueRemark: glue.remark }, now);
      if (updated === undefined) throw new NotFoundError(name);
      await insertGlueVersion(trx, { jobId: job.id, glueType: glue.glueType, source: glue.source, remark: glue.remark }, now);
      await recordAudit(trx, user, { action: jobAction(rpc), resource: name, before: job, after: updated }, now);
      return updated;
    });
  };

  return {
    async updateGlueSource(req, ctx) {
      const user = requireUser(ctx);
      const job = await loadJob(app.db, user, "name", req.name);
      if (job.glueType === "BEAN") throw new FailedPreconditionError(`job "${req.name}" is a BEAN job; only GLUE script jobs have a source`);
      const source = normalizeGlueSource(job.glueType, req.glueSource, "glue_source");
      const remark = normalizeGlueRemark(req.glueRemark, "glue_remark");
      return { job: jobToProto(await save(user, "UpdateGlueSource", job, { glueType: job.glueType, source, remark })) };
    },

    async listGlueVersions(req, ctx) {
      const user = requireUser(ctx);
      const job = await loadJob(app.db, user, "parent", req.parent);
      const limit = resolvePageSize(req.pageSize, 30, 100);
      const filters = { parent: job.id };
      const page = await listGlueVersionsPage(app.db, job.id, withCursor(limit, decodePageToken(req.pageToken, filters)));
      return {
        glueVersions: page.items.map(glueVersionToProto),
        nextPageToken: nextPageToken(page.nextCursor, filters),
      };
    },

    async restoreGlueVersion(req, ctx) {
      const user = requireUser(ctx);
      const { parentId, childId } = parseChildName("name", req.name, Collections.job, "glueVersions");
      const job = await loadJob(app.db, user, "name", formatName(Collections.job, parentId));
      const version = await getGlueVersion(app.db, childId);
      if (version === undefined || version.jobId !== job.id) throw new NotFoundError(req.name);
      if (job.glueType === "BEAN") throw new FailedPreconditionError(`job "${formatName(Collections.job, job.id)}" is a BEAN job now; change its glue_type before restoring a script`);
      if (version.glueType !== job.glueType) {
        throw new FailedPreconditionError(`version "${req.name}" is a ${version.glueType} script but the job is ${job.glueType} now`);
      }
      const remark = req.glueRemark.trim() === "" ? `restore of version ${childId}` : normalizeGlueRemark(req.glueRemark, "glue_remark");
      return { job: jobToProto(await save(user, "RestoreGlueVersion", job, { glueType: version.glueType, source: version.source, remark })) };
    },
  };
}
