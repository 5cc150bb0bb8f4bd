import type { Kysely } from "kysely";
import type { ExecutorGroup, RegistryEntry } from "../domain/index.js";
import { listRegistryEntries, type Database } from "../persistence/index.js";

/** Registry entries of the given app names that beat within the dead timeout. */
export async function listLiveEntries(db: Kysely<Database>, appNames: readonly string[], now: number, deadTimeoutMs: number): Promise<RegistryEntry[]> {
  if (appNames.length === 0) return [];
  return listRegistryEntries(db, { appNames: [...appNames], aliveSince: now - deadTimeoutMs });
}

/** Sorted, de-duplicated live addresses per app name. */
export async function liveAddressesByApp(db: Kysely<Database>, appNames: readonly string[], now: number, deadTimeoutMs: number): Promise<Map<string, string[]>> {
  const byApp = new Map<string, Set<string>>();
  for (const entry of await listLiveEntries(db, appNames, now, deadTimeoutMs)) {
    const set = byApp.get(entry.appName) ?? new Set<string>();
    set.add(entry.address);
    byApp.set(entry.appName, set);
  }
  return new Map([...byApp].map(([app, set]) => [app, [...set].sort()]));
}

/** The addresses runs of a group are routed to: the manual list, or the live registrations (sorted). */
export async function groupAddresses(db: Kysely<Database>, group: ExecutorGroup, now: number, deadTimeoutMs: number): Promise<string[]> {
  if (group.addressType === "MANUAL") return [...group.manualAddresses];
  return (await liveAddressesByApp(db, [group.appName], now, deadTimeoutMs)).get(group.appName) ?? [];
}
