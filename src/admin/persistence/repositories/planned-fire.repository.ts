import { sql, type Kysely, type Selectable } from "kysely";
import { PLANNED_FIRE_STATES, TRIGGER_TYPES, type PlannedFire, type PlannedFireState } from "../../domain/index.js";
import { insertRowsIgnoringDuplicates, insertRowsIgnoringDuplicatesReturning } from "../bulk-insert.js";
import { filterOnly, filterOnlyNumber, inList, toNumber, updateReturnsRows } from "../dialect.js";
import { enumValue, int } from "../row-values.js";
import type { Database, PlannedFireTable } from "../tables/index.js";

/** A fire to plan; it starts PLANNED. `owner` and `leaseUntil` may claim it for the planning admin at once. */
export type NewPlannedFire = Pick<PlannedFire, "jobId" | "scheduledTime" | "triggerType"> & Partial<Pick<PlannedFire, "owner" | "leaseUntil" | "originRunId">>;

export interface PlannedFireFilter {
  readonly state?: PlannedFireState;
  /** Only fires scheduled at or before this instant. */
  readonly dueBefore?: number;
  readonly jobId?: number;
}

/** Rows per INSERT statement, well below every dialect's bound-parameter limit. */
const INSERT_CHUNK = 500;

/**
 * Plans fires, skipping any whose (job, scheduled instant) is already planned, and returns how many were new.
 * This is what makes two admins planning the same fire harmless: the second insert is simply ignored.
 */
export async function insertPlannedFires(db: Kysely<Database>, fires: readonly NewPlannedFire[], now: number): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < fires.length; start += INSERT_CHUNK) {
    inserted += await insertRowsIgnoringDuplicates(db, "jw_planned_fire", newFireRows(fires.slice(start, start + INSERT_CHUNK), now));
  }
  return inserted;
}

/**
 * `insertPlannedFires` that also returns the fires that were new, with their ids, on the databases that can return
 * inserted rows (PostgreSQL and SQLite). On MySQL/MariaDB `fires` is undefined (unless there was nothing to insert),
 * and callers read new fires back instead (`listOwnFiresAfter`).
 */
export async function insertPlannedFiresReturning(db: Kysely<Database>, fires: readonly NewPlannedFire[], now: number): Promise<{ count: number; fires: PlannedFire[] | undefined }> {
  let count = 0;
  let inserted: PlannedFire[] | undefined = [];
  for (let start = 0; start < fires.length; start += INSERT_CHUNK) {
    const chunk = fires.slice(start, start + INSERT_CHUNK);
    const rows = newFireRows(chunk, now);
    const result = await insertRowsIgnoringDuplicatesReturning(db, "jw_planned_fire", rows, ["id", "job_id", "scheduled_time", "origin_run_id"]);
    count += result.count;
    if (result.rows === undefined) inserted = undefined;
    else if (inserted !== undefined) for (const fire of withReturnedIds(chunk, rows, result.rows)) inserted.push(fire);
  }
  return { count, fires: inserted?.sort((a, b) => a.id - b.id) };
}

/**
 * The inserted fires: the rows this call wrote, with the ids the insert returned next to each new fire's unique key.
 * Of rows sharing a key, the first is the one inserted (the others conflicted with it). Built field by field from
 * what was written, not converted back from database rows: a planning round returns thousands.
 */
function withReturnedIds(
  fires: readonly NewPlannedFire[],
  rows: readonly NewFireRow[],
  returned: readonly Record<"id" | "job_id" | "scheduled_time" | "origin_run_id", unknown>[],
): PlannedFire[] {
  // Row positions by job first: a planning batch writes a handful of fires per job.
  const byJob = new Map<number, number[]>();
  rows.forEach((row, i) => {
    const list = byJob.get(row.job_id);
    if (list === undefined) byJob.set(row.job_id, [i]);
    else list.push(i);
  });
  return returned.map((ids) => {
    const jobId = int(ids.job_id);
    const scheduledTime = int(ids.scheduled_time);
    const originRunId = int(ids.origin_run_id);
    const i = byJob.get(jobId)?.find((at) => rows[at]?.scheduled_time === scheduledTime && rows[at]?.origin_run_id === originRunId);
    const row = i === undefined ? undefined : rows[i];
    const fire = i === undefined ? undefined : fires[i];
    if (row === undefined || fire === undefined) throw new Error(`the database returned planned fire ${String(ids.id)}, which this insert did not write`);
    return {
      id: int(ids.id),
      jobId,
      scheduledTime,
      triggerType: fire.triggerType,
      state: "PLANNED",
      owner: row.owner,
      leaseUntil: row.lease_until,
      createTime: row.create_time,
      dispatchTime: 0,
      originRunId,
    };
  });
}

/** A new fire's row, as `newFireRows` writes it. */
type NewFireRow = Omit<Selectable<PlannedFireTable>, "id">;

/** The rows of new fires. An unowned fire gets no lease, which is what `listDispatchableFires` relies on. */
function newFireRows(fires: readonly NewPlannedFire[], now: number): NewFireRow[] {
  return fires.map((fire) => ({
    job_id: fire.jobId,
    scheduled_time: fire.scheduledTime,
    trigger_type: fire.triggerType,
    state: "PLANNED",
    owner: fire.owner ?? "",
    lease_until: fire.owner === undefined || fire.owner === "" ? 0 : (fire.leaseUntil ?? 0),
    create_time: now,
    dispatch_time: 0,
    origin_run_id: fire.originRunId ?? 0,
  }));
}

export async function getPlannedFire(db: Kysely<Database>, id: number): Promise<PlannedFire | undefined> {
  const row = await db.selectFrom("jw_planned_fire").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : rowToFire(row);
}

/** Lists fires earliest scheduled first (ties by id), at most `limit`. */
export async function listPlannedFires(db: Kysely<Database>, filter: PlannedFireFilter, limit: number): Promise<PlannedFire[]> {
  let query = db.selectFrom("jw_planned_fire").selectAll();
  if (filter.state !== undefined) query = query.where("state", "=", filter.state);
  if (filter.dueBefore !== undefined) query = query.where("scheduled_time", "<=", filter.dueBefore);
  if (filter.jobId !== undefined) query = query.where("job_id", "=", filter.jobId);
  const rows = await query.orderBy("scheduled_time").orderBy("id").limit(limit).execute();
  return rows.map(rowToFire);
}

/**
 * Claims many fires for `owner` with one UPDATE: takes every listed fire that is still PLANNED and unowned or past
 * its lease (its admin died or stopped), with a lease of `leaseMs` past the later of its instant and now, and
 * returns the fires this owner holds afterwards. Concurrent claimers are serialised by the row locks the UPDATE
 * takes, and each one re-checks the lease condition on the latest row, so every fire ends with exactly one of them.
 */
export async function claimPlannedFires(db: Kysely<Database>, ids: readonly number[], owner: string, leaseMs: number, now: number): Promise<PlannedFire[]> {
  if (ids.length === 0) return [];
  const scheduled = sql.ref<number>("scheduled_time");
  await db
    .updateTable("jw_planned_fire")
    .set({ owner, lease_until: sql<number>`case when ${scheduled} > ${now} then ${scheduled} + ${leaseMs} else ${now + leaseMs} end` })
    .where(inList(db, "id", ids))
    .where(filterOnly("state"), "=", "PLANNED")
    .where((eb) => eb.or([eb("owner", "=", ""), eb("lease_until", "<=", now)]))
    .execute();
  const rows = await db.selectFrom("jw_planned_fire").selectAll().where(inList(db, "id", ids)).where(filterOnly("state"), "=", "PLANNED").where("owner", "=", owner).orderBy("scheduled_time").orderBy("id").execute();
  return rows.map(rowToFire);
}

/**
 * Marks fires DISPATCHED inside the caller's transaction and returns the ids this call marked: only those still
 * PLANNED and still `owner`'s, so each fire is dispatched once, and an admin whose lease was taken over (it stalled
 * past its lease) loses the race instead of dispatching a second time. PostgreSQL and SQLite do it with one
 * UPDATE … RETURNING; on MySQL/MariaDB, which cannot return updated ids, the fires are first locked and filtered
 * (`FOR UPDATE`), then updated.
 */
export async function markFiresDispatched(trx: Kysely<Database>, ids: readonly number[], now: number, owner: string): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  // State and owner only re-check the rows found by id (see filterOnly).
  const update = trx
    .updateTable("jw_planned_fire")
    .set({ state: "DISPATCHED", dispatch_time: now })
    .where(filterOnly("state"), "=", "PLANNED")
    .where("owner", "=", owner);
  if (updateReturnsRows(trx)) {
    const rows = await update.where(inList(trx, "id", ids)).returning("id").execute();
    return new Set(rows.map((r) => toNumber(r.id)));
  }
  const select = trx.selectFrom("jw_planned_fire").select("id").where("id", "in", [...ids]).where(filterOnly("state"), "=", "PLANNED").where("owner", "=", owner).orderBy("id").forUpdate();
  const mine = (await select.execute()).map((r) => toNumber(r.id));
  if (mine.length === 0) return new Set();
  await update.where("id", "in", mine).execute();
  return new Set(mine);
}

/**
 * PLANNED fires due by `dueBefore` that `owner` may take over: unowned ones (released by an admin that stopped,
 * or follow-ups planned without an owner) and other admins' fires whose lease has run out (their admin died),
 * earliest first. Claim them with `claimPlannedFires` before dispatching them.
 *
 * An unowned fire has no lease (0: see `newFireRows` and `releaseFires`), so "unowned or lease run out" is
 * `lease_until <= now` alone, which the (state, lease_until) index finds directly. Through the (state,
 * scheduled_time) index the same question read every fire planned within the pre-read window, the live ones too:
 * 60 000 of them at 10 000 jobs a second, for the few dozen it was looking for.
 */
export async function listDispatchableFires(db: Kysely<Database>, owner: string, dueBefore: number, now: number, limit: number): Promise<PlannedFire[]> {
  const rows = await db
    .selectFrom("jw_planned_fire")
    .selectAll()
    .where("state", "=", "PLANNED")
    .where("lease_until", "<=", now)
    // The instant only filters and orders what the lease found: SQLite would otherwise walk the (state,
    // scheduled_time) index to save the sort.
    .where(filterOnlyNumber("scheduled_time"), "<=", dueBefore)
    .where("owner", "<>", owner)
    .orderBy(filterOnlyNumber("scheduled_time"))
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(rowToFire);
}

/**
 * `owner`'s PLANNED fires with an id above `afterId`, in id order: the fires an admin has just planned for
 * itself. One admin plans in sequential transactions, so its new fires always have higher ids than the ones it
 * has already seen.
 */
export async function listOwnFiresAfter(db: Kysely<Database>, owner: string, afterId: number, limit: number): Promise<PlannedFire[]> {
  const rows = await db
    .selectFrom("jw_planned_fire")
    .selectAll()
    .where("owner", "=", owner)
    // The new fires are the newest ids: read by primary key from `afterId` on, not through every PLANNED fire.
    .where(filterOnly("state"), "=", "PLANNED")
    .where("id", ">", afterId)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(rowToFire);
}

/**
 * Deletes a job's schedule fires (SCHEDULE and MISFIRE) that were planned but not dispatched yet, and returns how
 * many went: its schedule changed or it was stopped, and they belong to the old schedule. The admin holding them
 * finds them gone when it comes to mark them dispatched, and skips them; a fire it already marked runs. Retries and
 * child fires stay: they follow runs, not the schedule.
 */
export async function cancelPlannedScheduleFires(db: Kysely<Database>, jobId: number): Promise<number> {
  const result = await db
    .deleteFrom("jw_planned_fire")
    .where("job_id", "=", jobId)
    .where("state", "=", "PLANNED")
    .where("trigger_type", "in", ["SCHEDULE", "MISFIRE"])
    .executeTakeFirst();
  return toNumber(result.numDeletedRows);
}

/** Gives up `owner`'s undispatched fires (on a graceful stop) so that other admins dispatch them at once. */
export async function releaseFires(db: Kysely<Database>, owner: string): Promise<number> {
  const result = await db
    .updateTable("jw_planned_fire")
    .set({ owner: "", lease_until: 0 })
    .where("state", "=", "PLANNED")
    .where("owner", "=", owner)
    .executeTakeFirst();
  return toNumber(result.numUpdatedRows);
}

/**
 * Deletes up to `limit` DISPATCHED fires whose lease ended before `before`; returns how many went. They are found
 * through the (state, lease_until) index; a fire's lease ends a little after its instant, so these are the fires
 * dispatched longest ago.
 */
export async function deleteDispatchedFiresBefore(db: Kysely<Database>, before: number, limit: number): Promise<number> {
  const ids = await db
    .selectFrom("jw_planned_fire")
    .select("id")
    .where("state", "=", "DISPATCHED")
    .where("lease_until", "<", before)
    .limit(limit)
    .execute();
  if (ids.length === 0) return 0;
  const result = await db.deleteFrom("jw_planned_fire").where("id", "in", ids.map((r) => r.id)).executeTakeFirst();
  return toNumber(result.numDeletedRows);
}

function rowToFire(row: Selectable<PlannedFireTable>): PlannedFire {
  return {
    id: int(row.id),
    jobId: int(row.job_id),
    scheduledTime: int(row.scheduled_time),
    triggerType: enumValue(TRIGGER_TYPES, row.trigger_type, "jw_planned_fire.trigger_type"),
    state: enumValue(PLANNED_FIRE_STATES, row.state, "jw_planned_fire.state"),
    owner: row.owner,
    leaseUntil: int(row.lease_until),
    createTime: int(row.create_time),
    dispatchTime: int(row.dispatch_time),
    originRunId: int(row.origin_run_id),
  };
}
