import type { Kysely } from "kysely";
import { listRegistryEntries, type Database } from "../persistence/index.js";
import type { ExecutorCounts } from "./admin-metrics.js";

/**
 * Reads the registry and counts its entries per app name, `live` being those that beat within `deadTimeoutMs`
 * (the same rule the router uses to pick addresses).
 */
export async function countExecutors(db: Kysely<Database>, now: number, deadTimeoutMs: number): Promise<ExecutorCounts[]> {
  const counts = new Map<string, { registered: number; live: number }>();
  for (const entry of await listRegistryEntries(db, {})) {
    const count = counts.get(entry.appName) ?? { registered: 0, live: 0 };
    count.registered += 1;
    if (entry.lastBeatTime >= now - deadTimeoutMs) count.live += 1;
    counts.set(entry.appName, count);
  }
  return [...counts].map(([appName, count]) => ({ appName, ...count }));
}
