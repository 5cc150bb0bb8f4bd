import type { Kysely } from "kysely";
import { generateAccessToken } from "../auth/secrets.js";
import type { ExecutorGroup } from "../domain/index.js";
import { getGroupByAppName, insertGroup, insertJob, UniqueViolationError, type Database } from "../persistence/index.js";

/**
 * Returns the executor group with `appName`, creating an AUTO group with a random token when there is none.
 * Used by `jobwire start` to wire its demo executor without a console round trip. A concurrent creation by
 * another admin is resolved by reading the winner's row.
 */
export async function ensureExecutorGroup(db: Kysely<Database>, appName: string, title: string, now: number): Promise<{ group: ExecutorGroup; created: boolean }> {
  const existing = await getGroupByAppName(db, appName);
  if (existing !== undefined) return { group: existing, created: false };
  try {
    const group = await insertGroup(db, { appName, title, addressType: "AUTO", manualAddresses: [], accessToken: generateAccessToken() }, now);
    return { group, created: true };
  } catch (error) {
    const winner = error instanceof UniqueViolationError ? await getGroupByAppName(db, appName) : undefined;
    if (winner === undefined) throw error;
    return { group: winner, created: false };
  }
}

/** Adds XXL-JOB's classic sample job (stopped, manual trigger) to a freshly created demo group. */
export async function createDemoJob(db: Kysely<Database>, groupId: number, now: number): Promise<void> {
  await insertJob(
    db,
    {
      groupId,
      name: "Demo job",
      description: "Runs demoJobHandler of the demo executor. Trigger it once, or start it to run every minute.",
      author: "jobwire",
      alarm: { emails: [], webhookUrls: [] },
      scheduleType: "CRON",
      scheduleConf: "0 * * * * ?",
      timeZone: "",
      misfireStrategy: "DO_NOTHING",
      routeStrategy: "FIRST",
      handler: "demoJobHandler",
      param: "hello from jobwire",
      blockStrategy: "SERIAL",
      concurrency: 1,
      timeoutSeconds: 0,
      retry: { count: 0, backoff: "FIXED", intervalMs: 0, maxIntervalMs: 600_000 },
      glueType: "BEAN",
      childJobIds: [],
      glueSource: "",
      glueRemark: "",
    },
    now,
  );
}
