import type { Kysely } from "kysely";
import type { Lease } from "../../domain/index.js";
import { insertIgnoringDuplicates, toNumber } from "../dialect.js";
import { int } from "../row-values.js";
import type { Database } from "../tables/index.js";

/**
 * Takes or renews the lease `name` for `ttlMs` if it is free, expired (at or after its expire time) or already
 * `owner`'s. Returns whether `owner` holds it now.
 *
 * Two statements, each atomic on its own: an insert that does nothing if the row exists, then a conditional
 * update. Under concurrency every dialect re-checks the update's condition against the latest committed row
 * (row locks on MySQL and PostgreSQL, one writer at a time on SQLite), so exactly one contender wins an
 * expired lease. Call it outside a transaction so that the row locks are released at once.
 */
export async function tryAcquireLease(db: Kysely<Database>, name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
  const expireTime = now + ttlMs;
  const inserted = await insertIgnoringDuplicates(db, db.insertInto("jw_lease").values({ name, owner, expire_time: expireTime }));
  if (inserted > 0) return true;
  const result = await db
    .updateTable("jw_lease")
    .set({ owner, expire_time: expireTime })
    .where("name", "=", name)
    .where((eb) => eb.or([eb("owner", "=", owner), eb("expire_time", "<=", now)]))
    .executeTakeFirst();
  return toNumber(result.numUpdatedRows) > 0;
}

/** Gives the lease up if `owner` holds it; returns whether it did. */
export async function releaseLease(db: Kysely<Database>, name: string, owner: string): Promise<boolean> {
  const result = await db.deleteFrom("jw_lease").where("name", "=", name).where("owner", "=", owner).executeTakeFirst();
  return toNumber(result.numDeletedRows) > 0;
}

export async function getLease(db: Kysely<Database>, name: string): Promise<Lease | undefined> {
  const row = await db.selectFrom("jw_lease").selectAll().where("name", "=", name).executeTakeFirst();
  return row === undefined ? undefined : { name: row.name, owner: row.owner, expireTime: int(row.expire_time) };
}
