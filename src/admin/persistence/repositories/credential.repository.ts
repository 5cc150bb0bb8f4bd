import type { Kysely, Selectable } from "kysely";
import { CREDENTIAL_KINDS, type Credential, type CredentialKind, type User } from "../../domain/index.js";
import { insertAndGetId, toNumber } from "../dialect.js";
import { checkPageRequest, toPage, type Page, type PageRequest } from "../paging.js";
import { enumValue, int } from "../row-values.js";
import type { CredentialTable, Database } from "../tables/index.js";
import { rowToUser } from "./user.repository.js";

/** A new session or API key. Only the hash of its secret is stored; the secret itself never reaches the database. */
export type NewCredential = Pick<Credential, "userId" | "kind" | "name" | "tokenPrefix" | "expireTime"> & { readonly tokenHash: string };

export interface CredentialFilter {
  readonly userId?: number;
  readonly kind?: CredentialKind;
}

/** Stores a credential; throws `UniqueViolationError` in the (astronomically unlikely) case of a repeated hash. */
export async function insertCredential(db: Kysely<Database>, credential: NewCredential, now: number): Promise<Credential> {
  const id = await insertAndGetId(
    db,
    db.insertInto("jw_credential").values({
      user_id: credential.userId,
      kind: credential.kind,
      name: credential.name,
      token_hash: credential.tokenHash,
      token_prefix: credential.tokenPrefix,
      create_time: now,
      expire_time: credential.expireTime,
      last_used_time: 0,
      revoke_time: 0,
    }),
  );
  return {
    id,
    userId: credential.userId,
    kind: credential.kind,
    name: credential.name,
    tokenPrefix: credential.tokenPrefix,
    createTime: now,
    expireTime: credential.expireTime,
    lastUsedTime: 0,
    revokeTime: 0,
  };
}

/**
 * Resolves a token hash to its credential and user, in one query, if the credential is neither revoked nor
 * expired (a credential is valid while `now < expireTime`) and its user still exists and is not disabled.
 */
export async function findActiveCredentialByHash(db: Kysely<Database>, tokenHash: string, now: number): Promise<{ credential: Credential; user: User } | undefined> {
  const row = await db
    .selectFrom("jw_credential as c")
    .innerJoin("jw_user as u", "u.id", "c.user_id")
    .selectAll("c")
    .select([
      "u.username as user_username",
      "u.role as user_role",
      "u.permitted_group_ids as user_permitted_group_ids",
      "u.password_hash as user_password_hash",
      "u.disabled as user_disabled",
      "u.create_time as user_create_time",
      "u.update_time as user_update_time",
    ])
    .where("c.token_hash", "=", tokenHash)
    .where("c.revoke_time", "=", 0)
    .where("c.expire_time", ">", now)
    .where("u.disabled", "=", 0)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const user = rowToUser({
    id: row.user_id,
    username: row.user_username,
    role: row.user_role,
    permitted_group_ids: row.user_permitted_group_ids,
    password_hash: row.user_password_hash,
    disabled: row.user_disabled,
    create_time: row.user_create_time,
    update_time: row.user_update_time,
  });
  return { credential: rowToCredential(row), user };
}

/** Records a use of the credential. */
export async function touchCredential(db: Kysely<Database>, id: number, now: number): Promise<void> {
  await db.updateTable("jw_credential").set({ last_used_time: now }).where("id", "=", id).execute();
}

/** Revokes a credential; false when it does not exist or was revoked already (the first revoke time stays). */
export async function revokeCredential(db: Kysely<Database>, id: number, now: number): Promise<boolean> {
  const result = await db.updateTable("jw_credential").set({ revoke_time: now }).where("id", "=", id).where("revoke_time", "=", 0).executeTakeFirst();
  return toNumber(result.numUpdatedRows) > 0;
}

/** Lists credentials (revoked and expired ones included) in ascending id order. */
export async function listCredentials(db: Kysely<Database>, filter: CredentialFilter): Promise<Credential[]> {
  let query = db.selectFrom("jw_credential").selectAll();
  if (filter.userId !== undefined) query = query.where("user_id", "=", filter.userId);
  if (filter.kind !== undefined) query = query.where("kind", "=", filter.kind);
  const rows = await query.orderBy("id").execute();
  return rows.map(rowToCredential);
}

export async function getCredential(db: Kysely<Database>, id: number): Promise<Credential | undefined> {
  const row = await db.selectFrom("jw_credential").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : rowToCredential(row);
}

/** Lists a user's API keys that were not revoked (expired ones included), ascending id, keyset paging. */
export async function listApiKeys(db: Kysely<Database>, userId: number, page: PageRequest): Promise<Page<Credential>> {
  checkPageRequest(page);
  let query = db.selectFrom("jw_credential").selectAll().where("user_id", "=", userId).where("kind", "=", "API_KEY").where("revoke_time", "=", 0);
  if (page.cursor !== undefined) query = query.where("id", ">", page.cursor);
  const rows = await query.orderBy("id", "asc").limit(page.limit + 1).execute();
  return toPage(rows.map(rowToCredential), page.limit);
}

/** Revokes every live session of a user except `keepId` (0 keeps none); returns how many were revoked. */
export async function revokeUserSessions(db: Kysely<Database>, userId: number, keepId: number, now: number): Promise<number> {
  const result = await db
    .updateTable("jw_credential")
    .set({ revoke_time: now })
    .where("user_id", "=", userId)
    .where("kind", "=", "SESSION")
    .where("revoke_time", "=", 0)
    .where("id", "<>", keepId)
    .executeTakeFirst();
  return toNumber(result.numUpdatedRows);
}

/**
 * Deletes a user's credentials that can never work again (expired or revoked); returns how many. Called at each
 * login, it keeps the table to the live credentials of each user without a sweeper (the audit log keeps history).
 */
export async function deleteDeadCredentials(db: Kysely<Database>, userId: number, now: number): Promise<number> {
  const result = await db
    .deleteFrom("jw_credential")
    .where("user_id", "=", userId)
    .where((eb) => eb.or([eb("expire_time", "<=", now), eb("revoke_time", ">", 0)]))
    .executeTakeFirst();
  return toNumber(result.numDeletedRows);
}

/** Deletes credentials that expired at or before `now`; returns how many. */
export async function deleteExpiredCredentials(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db.deleteFrom("jw_credential").where("expire_time", "<=", now).executeTakeFirst();
  return toNumber(result.numDeletedRows);
}

function rowToCredential(row: Selectable<CredentialTable>): Credential {
  return {
    id: int(row.id),
    userId: int(row.user_id),
    kind: enumValue(CREDENTIAL_KINDS, row.kind, "jw_credential.kind"),
    name: row.name,
    tokenPrefix: row.token_prefix,
    createTime: int(row.create_time),
    expireTime: int(row.expire_time),
    lastUsedTime: int(row.last_used_time),
    revokeTime: int(row.revoke_time),
  };
}
