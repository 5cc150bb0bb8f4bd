import type { Kysely, Selectable, Updateable } from "kysely";
import { ADDRESS_TYPES, type ExecutorGroup } from "../../domain/index.js";
import { containsText, dialectOf, insertAndGetId, rethrowUniqueViolation, toNumber } from "../dialect.js";
import { checkPageRequest, EMPTY_PAGE, toPage, type Page, type PageRequest } from "../paging.js";
import { enumValue, int, stringList, toJson } from "../row-values.js";
import type { Database, ExecutorGroupTable } from "../tables/index.js";

/** The fields of a new group; the id and times are assigned here. */
export type NewExecutorGroup = Pick<ExecutorGroup, "appName" | "title" | "addressType" | "manualAddresses" | "accessToken">;

/** The changeable fields of a group; the app name is immutable because executors register under it. */
export type ExecutorGroupPatch = Partial<Pick<ExecutorGroup, "title" | "addressType" | "manualAddresses" | "accessToken">>;

export interface ExecutorGroupFilter {
  /** Case-insensitive substring of the app name. */
  readonly appNameContains?: string;
  /** Case-insensitive substring of the title. */
  readonly titleContains?: string;
  /** Only these groups (e.g. a normal user's permitted groups); an empty list matches nothing. */
  readonly ids?: readonly number[];
}

/** Inserts a group; throws `UniqueViolationError` when the app name is taken. */
export async function insertGroup(db: Kysely<Database>, group: NewExecutorGroup, now: number): Promise<ExecutorGroup> {
  const id = await insertAndGetId(
    db,
    db.insertInto("jw_executor_group").values({
      app_name: group.appName,
      title: group.title,
      address_type: group.addressType,
      manual_addresses: toJson(group.manualAddresses),
      access_token: group.accessToken,
      create_time: now,
      update_time: now,
    }),
  );
  return {
    id,
    appName: group.appName,
    title: group.title,
    addressType: group.addressType,
    manualAddresses: [...group.manualAddresses],
    accessToken: group.accessToken,
    createTime: now,
    updateTime: now,
  };
}

export async function getGroup(db: Kysely<Database>, id: number): Promise<ExecutorGroup | undefined> {
  const row = await db.selectFrom("jw_executor_group").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : rowToGroup(row);
}

/**
 * `getGroup` that locks the row until the transaction ends (on MySQL/MariaDB and PostgreSQL; SQLite has one writer
 * at a time anyway). Saving a job into a group and deleting the group both take it first, so a group is never
 * deleted while a job is being created in it (which would leave a job whose group is gone).
 */
export async function lockGroup(trx: Kysely<Database>, id: number): Promise<ExecutorGroup | undefined> {
  let query = trx.selectFrom("jw_executor_group").selectAll().where("id", "=", id);
  if (dialectOf(trx) !== "sqlite") query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : rowToGroup(row);
}

export async function getGroupByAppName(db: Kysely<Database>, appName: string): Promise<ExecutorGroup | undefined> {
  const row = await db.selectFrom("jw_executor_group").selectAll().where("app_name", "=", appName).executeTakeFirst();
  return row === undefined ? undefined : rowToGroup(row);
}

/** Lists groups in ascending id order (keyset paging on id). */
export async function listGroups(db: Kysely<Database>, filter: ExecutorGroupFilter, page: PageRequest): Promise<Page<ExecutorGroup>> {
  checkPageRequest(page);
  if (filter.ids !== undefined && filter.ids.length === 0) return EMPTY_PAGE;
  let query = db.selectFrom("jw_executor_group").selectAll();
  if (filter.appNameContains !== undefined) query = query.where(containsText("app_name", filter.appNameContains));
  if (filter.titleContains !== undefined) query = query.where(containsText("title", filter.titleContains));
  if (filter.ids !== undefined) query = query.where("id", "in", [...filter.ids]);
  if (page.cursor !== undefined) query = query.where("id", ">", page.cursor);
  const rows = await query.orderBy("id", "asc").limit(page.limit + 1).execute();
  return toPage(rows.map(rowToGroup), page.limit);
}

/** Applies a patch; returns the updated group, or undefined when it does not exist. */
export async function updateGroup(db: Kysely<Database>, id: number, patch: ExecutorGroupPatch, now: number): Promise<ExecutorGroup | undefined> {
  const set: Updateable<ExecutorGroupTable> = { update_time: now };
  if (patch.title !== undefined) set.title = patch.title;
  if (patch.addressType !== undefined) set.address_type = patch.addressType;
  if (patch.manualAddresses !== undefined) set.manual_addresses = toJson(patch.manualAddresses);
  if (patch.accessToken !== undefined) set.access_token = patch.accessToken;
  const result = await rethrowUniqueViolation(db.updateTable("jw_executor_group").set(set).where("id", "=", id).executeTakeFirst());
  if (toNumber(result.numUpdatedRows) === 0) return undefined;
  return getGroup(db, id);
}

/** Deletes a group; returns whether it existed. Callers check first that no job uses it. */
export async function deleteGroup(db: Kysely<Database>, id: number): Promise<boolean> {
  const result = await db.deleteFrom("jw_executor_group").where("id", "=", id).executeTakeFirst();
  return toNumber(result.numDeletedRows) > 0;
}

function rowToGroup(row: Selectable<ExecutorGroupTable>): ExecutorGroup {
  return {
    id: int(row.id),
    appName: row.app_name,
    title: row.title,
    addressType: enumValue(ADDRESS_TYPES, row.address_type, "jw_executor_group.address_type"),
    manualAddresses: stringList(row.manual_addresses, "jw_executor_group.manual_addresses"),
    accessToken: row.access_token,
    createTime: int(row.create_time),
    updateTime: int(row.update_time),
  };
}
