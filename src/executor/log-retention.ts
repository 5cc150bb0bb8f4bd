import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../shared/logger.js";
import { isDayFolder, utcDay } from "./run-log.js";

const DAY_MS = 86_400_000;

/**
 * Deletes the day folders of run logs that are more than `retentionDays` old (XXL-JOB's file cleaner) and
 * returns their names. Only `yyyy-MM-dd` folders are touched, never GLUE sources or spooled results.
 */
export async function deleteExpiredLogDays(logDir: string, retentionDays: number, now: number): Promise<string[]> {
  if (retentionDays <= 0) return [];
  const oldestKept = utcDay(now - retentionDays * DAY_MS);
  let names: string[];
  try {
    names = await readdir(logDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  // `yyyy-MM-dd` names sort like the dates they name, so a string comparison is a date comparison.
  const expired = names.filter((name) => isDayFolder(name) && name < oldestKept);
  for (const name of expired) await rm(path.join(logDir, name), { recursive: true, force: true });
  return expired;
}

/** Runs the cleaner now and then once a day; returns a function that stops it. */
export function startLogRetention(logDir: string, retentionDays: number, logger: Logger): () => void {
  if (retentionDays <= 0) return () => {};
  const clean = (): void => {
    deleteExpiredLogDays(logDir, retentionDays, Date.now()).then(
      (deleted) => {
        if (deleted.length > 0) logger.info("deleted expired run log folders", { logDir, folders: deleted });
      },
      (error: unknown) => logger.warn("could not delete expired run logs", { logDir, error }),
    );
  };
  clean();
  const timer = setInterval(clean, DAY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
