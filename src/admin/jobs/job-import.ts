import type { GlueType, Job, JobDefinition } from "../domain/index.js";
import { GLUE_REMARK_CHARS, normalizeGlueSource } from "./glue-source.js";
import { sameDefinition } from "./job-definition.js";

/** Remark of the GLUE version an import saves when the export's remark is unusable. */
export const IMPORTED_GLUE_REMARK = "imported";

/** One checked job of an import, before its group id and children are resolved locally. */
export interface ImportPlan {
  /** Position in the request, for error fields such as `jobs[3].child_keys[0]`. */
  readonly index: number;
  /** The export key: the job's uid at its origin, and its uid here once imported. */
  readonly key: string;
  readonly appName: string;
  readonly definition: JobDefinition;
  readonly childKeys: readonly string[];
  /** Empty for BEAN jobs and for script jobs exported without a source. */
  readonly glueSource: string;
  readonly glueRemark: string;
}

/** The GLUE source and remark an imported job gets: none for BEAN jobs; the export's remark if it is valid. */
export function importedGlueSource(glueType: GlueType, source: string, remark: string, prefix: string): { glueSource: string; glueRemark: string } {
  if (glueType === "BEAN" || source === "") return { glueSource: "", glueRemark: "" };
  const glueSource = normalizeGlueSource(glueType, source, `${prefix}.glue_source`);
  const trimmed = remark.trim();
  const usable = trimmed.length >= GLUE_REMARK_CHARS.min && trimmed.length <= GLUE_REMARK_CHARS.max;
  return { glueSource, glueRemark: usable ? trimmed : IMPORTED_GLUE_REMARK };
}

/**
 * True when importing `plan` (with its local group and children in `definition`) would change nothing about the
 * existing job: same definition, and the same GLUE source (an export without a source keeps the local one).
 */
export function sameImportedJob(existing: Job, definition: JobDefinition, plan: Pick<ImportPlan, "glueSource">): boolean {
  if (!sameDefinition(existing, definition)) return false;
  return definition.glueType === "BEAN" || plan.glueSource === "" || plan.glueSource === existing.glueSource;
}
