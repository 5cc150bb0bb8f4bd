import type { Generated } from "kysely";

/** `jw_glue_version`: saved versions of a job's GLUE source; only the newest 30 per job are kept. */
export interface GlueVersionTable {
  id: Generated<number>;
  job_id: number;
  glue_type: string;
  source: string;
  remark: string;
  create_time: number;
}
