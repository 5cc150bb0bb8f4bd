import type { Kysely, Selectable } from "kysely";
import type { RegistryEntry } from "../../domain/index.js";
import { toNumber, upsert } from "../dialect.js";
import { int, numberList, numberRecord, stringList, toJson } from "../row-values.js";
import type { Database, RegistryTable } from "../tables/index.js";

/** What one heartbeat reports; the beat times are set here. */
export type RegistryBeat = Omit<RegistryEntry, "firstBeatTime" | "lastBeatTime">;

export interface RegistryFilter {
  /** Only these app names; an empty list matches nothing. */
  readonly appNames?: readonly string[];
  /** Only entries whose last beat is at or after this instant. */
  readonly aliveSince?: number;
  /** Only these executor addresses; an empty list matches nothing. */
  readonly addresses?: readonly string[];
}

/**
 * Records a heartbeat: inserts the (app name, address) entry, or updates it while keeping its first beat time.
 * One atomic statement, so concurrent beats of one executor to two admins cannot collide.
 */
export async function upsertRegistryEntry(db: Kysely<Database>, entry: RegistryBeat, now: number): Promise<void> {
  const reported = {
    handler_names: toJson(entry.handlerNames),
    sdk_version: entry.sdkVersion,
    running_run_ids: toJson(entry.runningRunIds),
    queue_depths: toJson(entry.queueDepths),
    last_beat_time: now,
  };
  await upsert(
    db,
    db.insertInto("jw_registry").values({ app_name: entry.appName, address: entry.address, first_beat_time: now, ...reported }),
    ["app_name", "address"],
    reported,
  );
}

/** Removes an entry (an executor shutting down); returns whether it existed. */
export async function removeRegistryEntry(db: Kysely<Database>, appName: string, address: string): Promise<boolean> {
  const result = await db.deleteFrom("jw_registry").where("app_name", "=", appName).where("address", "=", address).executeTakeFirst();
  return toNumber(result.numDeletedRows) > 0;
}

/** Lists entries ordered by app name, then address. */
export async function listRegistryEntries(db: Kysely<Database>, filter: RegistryFilter): Promise<RegistryEntry[]> {
  if (filter.appNames !== undefined && filter.appNames.length === 0) return [];
  if (filter.addresses !== undefined && filter.addresses.length === 0) return [];
  let query = db.selectFrom("jw_registry").selectAll();
  if (filter.addresses !== undefined) query = query.where("address", "in", [...filter.addresses]);
  if (filter.appNames !== undefined) query = query.where("app_name", "in", [...filter.appNames]);
  if (filter.aliveSince !== undefined) query = query.where("last_beat_time", ">=", filter.aliveSince);
  const rows = await query.orderBy("app_name").orderBy("address").execute();
  return rows.map(rowToEntry);
}

/** Deletes entries whose last beat is before `time`; returns how many. */
export async function deleteRegistryEntriesBefore(db: Kysely<Database>, time: number): Promise<number> {
  const result = await db.deleteFrom("jw_registry").where("last_beat_time", "<", time).executeTakeFirst();
  return toNumber(result.numDeletedRows);
}

function rowToEntry(row: Selectable<RegistryTable>): RegistryEntry {
  return {
    appName: row.app_name,
    address: row.address,
    handlerNames: stringList(row.handler_names, "jw_registry.handler_names"),
    sdkVersion: row.sdk_version,
    runningRunIds: numberList(row.running_run_ids, "jw_registry.running_run_ids"),
    queueDepths: numberRecord(row.queue_depths, "jw_registry.queue_depths"),
    firstBeatTime: int(row.first_beat_time),
    lastBeatTime: int(row.last_beat_time),
  };
}

/** Deletes every entry of an app name (its group was deleted); returns how many. */
export async function deleteRegistryEntriesOfApp(db: Kysely<Database>, appName: string): Promise<number> {
  const result = await db.deleteFrom("jw_registry").where("app_name", "=", appName).executeTakeFirst();
  return toNumber(result.numDeletedRows);
}
