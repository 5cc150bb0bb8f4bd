import { createHash } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { scriptExtension, type ScriptGlueType } from "./glue-interpreters.js";

/** The folder of GLUE sources under the log directory (XXL-JOB's `gluesource`). */
export const GLUE_SOURCE_FOLDER = "gluesource";

/**
 * Version key of a GLUE source: its update time (the admin's version stamp) when known, else a hash of the
 * text, so that a source without a stamp is still rewritten whenever it changes.
 */
export function glueVersionKey(updateTimeMs: number, source: string): string {
  if (updateTimeMs > 0) return String(updateTimeMs);
  return `h${createHash("sha256").update(source).digest("hex").slice(0, 16)}`;
}

/**
 * The script files of GLUE jobs: `<logDir>/gluesource/<jobId>_<version><ext>`. A version's file is written once
 * and reused for every run of that version, also across executor restarts; writing a new version removes the
 * job's older files. Files are written to a temporary name and renamed, so an interpreter never sees half a
 * script, and are readable only by the executor's user because they are code the admin sent.
 */
export class GlueSourceFiles {
  readonly directory: string;

  constructor(logDir: string) {
    this.directory = path.join(logDir, GLUE_SOURCE_FOLDER);
  }

  fileFor(jobId: number, type: ScriptGlueType, versionKey: string): string {
    return path.join(this.directory, `${jobId}_${versionKey}${scriptExtension(type)}`);
  }

  /** Writes the source of a version unless its file exists; returns the file. */
  async ensure(jobId: number, type: ScriptGlueType, versionKey: string, source: string): Promise<string> {
    const file = this.fileFor(jobId, type, versionKey);
    if (await exists(file)) return file;
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    const handle = await open(temporary, "w", 0o700);
    try {
      await handle.writeFile(source, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    await this.removeOtherVersions(jobId, path.basename(file));
    return file;
  }

  private async removeOtherVersions(jobId: number, keep: string): Promise<void> {
    const prefix = `${jobId}_`;
    for (const name of await readdir(this.directory)) {
      // A running older version keeps its open file: unlinking does not disturb a process that has read it.
      if (name.startsWith(prefix) && name !== keep && !name.endsWith(".tmp")) await rm(path.join(this.directory, name), { force: true });
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
