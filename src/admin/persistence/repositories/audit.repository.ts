import type { Kysely, Selectable } from "kysely";
import type { AuditEntry } from "../../domain/index.js";
import { insertAndGetId, startsWithText } from "../dialect.js";
import { checkPageRequest, toPage, type Page, type PageRequest } from "../paging.js";
import { int } from "../row-values.js";
import type { AuditLogTable, Database } from "../tables/index.js";

export type NewAuditEntry = Omit<AuditEntry, "id">;

export interface AuditFilter {
  readonly actorUserId?: number;
  /** Only entries whose resource starts with this (case-sensitive), e.g. `jobs/12`. */
  readonly resourcePrefix?: string;
  /** Time bounds, inclusive. */
  readonly timeFrom?: number;
  readonly timeTo?: number;
}

export async function insertAuditEntry(db: Kysely<Database>, entry: NewAuditEntry): Promise<AuditEntry> {
  const id = await insertAndGetId(
    db,
    db.insertInto("jw_audit_log").values({
      time: entry.time,
      actor_user_id: entry.actorUserId,
      actor_name: entry.actorName,
      action: entry.action,
      resource: entry.resource,
      before_json: entry.before,
      after_json: entry.after,
    }),
  );
  return { id, time: entry.time, actorUserId: entry.actorUserId, actorName: entry.actorName, action: entry.action, resource: entry.resource, before: entry.before, after: entry.after };
}

/** Lists entries newest first: descending id, and the next page continues below the cursor. */
export async function listAuditEntries(db: Kysely<Database>, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
  checkPageRequest(page);
  let query = db.selectFrom("jw_audit_log").selectAll();
  if (filter.actorUserId !== undefined) query = query.where("actor_user_id", "=", filter.actorUserId);
  if (filter.resourcePrefix !== undefined) query = query.where(startsWithText("resource", filter.resourcePrefix));
  if (filter.timeFrom !== undefined) query = query.where("time", ">=", filter.timeFrom);
  if (filter.timeTo !== undefined) query = query.where("time", "<=", filter.timeTo);
  if (page.cursor !== undefined) query = query.where("id", "<", page.cursor);
  const rows = await query.orderBy("id", "desc").limit(page.limit + 1).execute();
  return toPage(rows.map(rowToEntry), page.limit);
}

function rowToEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: int(row.id),
    time: int(row.time),
    actorUserId: int(row.actor_user_id),
    actorName: row.actor_name,
    action: row.action,
    resource: row.resource,
    before: row.before_json,
    after: row.after_json,
  };
}
