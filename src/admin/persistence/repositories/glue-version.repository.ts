import type { Kysely, Selectable } from "kysely";
import { GLUE_TYPES, type GlueVersion } from "../../domain/index.js";
import { insertAndGetId } from "../dialect.js";
import { checkPageRequest, toPage, type Page, type PageRequest } from "../paging.js";
import { enumValue, int } from "../row-values.js";
import type { Database, GlueVersionTable } from "../tables/index.js";
import { inTransaction } from "../transaction.js";

/** How many GLUE versions are kept per job; older ones are deleted when a new one is saved. */
export const GLUE_VERSIONS_KEPT = 30;

export type NewGlueVersion = Pick<GlueVersion, "jobId" | "glueType" | "source" | "remark">;

/** Saves a version and deletes the job's versions beyond the newest `GLUE_VERSIONS_KEPT`, in one transaction. */
export function insertGlueVersion(db: Kysely<Database>, version: NewGlueVersion, now: number): Promise<GlueVersion> {
  return inTransaction(db, async (trx) => {
    const id = await insertAndGetId(
      trx,
      trx.insertInto("jw_glue_version").values({
        job_id: version.jobId,
        glue_type: version.glueType,
        source: version.source,
        remark: version.remark,
        create_time: now,
      }),
    );
    // MySQL refuses a DELETE whose subquery reads the same table, so the oldest id to keep is looked up first.
    const oldestKept = await trx
      .selectFrom("jw_glue_version")
      .select("id")
      .where("job_id", "=", version.jobId)
      .orderBy("id", "desc")
      .offset(GLUE_VERSIONS_KEPT - 1)
      .limit(1)
      .executeTakeFirst();
    if (oldestKept !== undefined) {
      await trx.deleteFrom("jw_glue_version").where("job_id", "=", version.jobId).where("id", "<", int(oldestKept.id)).execute();
    }
    return { id, jobId: version.jobId, glueType: version.glueType, source: version.source, remark: version.remark, createTime: now };
  });
}

/** The job's kept versions, newest first. */
export async function listGlueVersions(db: Kysely<Database>, jobId: number): Promise<GlueVersion[]> {
  const rows = await db.selectFrom("jw_glue_version").selectAll().where("job_id", "=", jobId).orderBy("id", "desc").execute();
  return rows.map(rowToVersion);
}

/** One page of the job's kept versions, newest first (keyset on descending id). */
export async function listGlueVersionsPage(db: Kysely<Database>, jobId: number, page: PageRequest): Promise<Page<GlueVersion>> {
  checkPageRequest(page);
  let query = db.selectFrom("jw_glue_version").selectAll().where("job_id", "=", jobId);
  if (page.cursor !== undefined) query = query.where("id", "<", page.cursor);
  const rows = await query.orderBy("id", "desc").limit(page.limit + 1).execute();
  return toPage(rows.map(rowToVersion), page.limit);
}

export async function getGlueVersion(db: Kysely<Database>, id: number): Promise<GlueVersion | undefined> {
  const row = await db.selectFrom("jw_glue_version").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : rowToVersion(row);
}

function rowToVersion(row: Selectable<GlueVersionTable>): GlueVersion {
  return {
    id: int(row.id),
    jobId: int(row.job_id),
    glueType: enumValue(GLUE_TYPES, row.glue_type, "jw_glue_version.glue_type"),
    source: row.source,
    remark: row.remark,
    createTime: int(row.create_time),
  };
}
