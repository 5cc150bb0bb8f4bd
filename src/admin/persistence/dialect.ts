/**
 * Every difference between SQLite, MySQL/MariaDB and PostgreSQL that jobwire's SQL meets lives in this file, so
 * that repositories stay dialect-neutral and a new quirk has exactly one place to go.
 */
import {
  MysqlAdapter,
  PostgresAdapter,
  sql,
  SqliteAdapter,
  type CreateTableBuilder,
  type InsertQueryBuilder,
  type InsertResult,
  type Kysely,
  type RawBuilder,
  type SqlBool,
  type UpdateObject,
} from "kysely";
import { UniqueViolationError } from "./unique-violation-error.js";

export type DialectName = "sqlite" | "mysql" | "postgres";
export const DIALECT_NAMES: readonly DialectName[] = ["sqlite", "mysql", "postgres"];

/** Tells the dialect of a Kysely instance or transaction from its adapter. */
export function dialectOf(db: Pick<Kysely<unknown>, "getExecutor">): DialectName {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return "postgres";
  if (adapter instanceof MysqlAdapter) return "mysql";
  if (adapter instanceof SqliteAdapter) return "sqlite";
  throw new Error(`unsupported Kysely dialect adapter ${adapter.constructor.name}; jobwire supports SQLite, MySQL/MariaDB and PostgreSQL`);
}

// ---------------------------------------------------------------------------------------------------------
// DDL
// ---------------------------------------------------------------------------------------------------------

/**
 * Adds the auto-increment BIGINT primary key `id`. Each dialect spells it differently: PostgreSQL has no
 * AUTO_INCREMENT (an identity column is its equivalent), and SQLite only auto-increments an INTEGER PRIMARY KEY.
 */
export function addIdColumn<TB extends string, C extends string>(builder: CreateTableBuilder<TB, C>, dialect: DialectName): CreateTableBuilder<TB, C | "id"> {
  switch (dialect) {
    case "mysql":
      return builder.addColumn("id", "bigint", (col) => col.autoIncrement().primaryKey());
    case "postgres":
      return builder.addColumn("id", "bigint", (col) => col.generatedByDefaultAsIdentity().primaryKey());
    case "sqlite":
      return builder.addColumn("id", "integer", (col) => col.primaryKey().autoIncrement());
  }
}

/**
 * Column type for text that may exceed 64 KiB (GLUE sources, handler messages, JSON lists): MySQL's TEXT stops
 * at 65 535 bytes, so it needs MEDIUMTEXT; TEXT is unbounded on the others.
 */
export function longTextType(dialect: DialectName): "text" | RawBuilder<unknown> {
  return dialect === "mysql" ? sql`mediumtext` : "text";
}

/**
 * Table options appended to CREATE TABLE. On MySQL the charset is not left to the server default (MariaDB still
 * defaults to latin1 in many installations) and the binary collation makes comparisons and unique keys exact and
 * case-sensitive, as they are on PostgreSQL and SQLite.
 */
export function withTableOptions<TB extends string, C extends string>(builder: CreateTableBuilder<TB, C>, dialect: DialectName): CreateTableBuilder<TB, C> {
  return dialect === "mysql" ? builder.modifyEnd(sql`engine = InnoDB default character set utf8mb4 collate utf8mb4_bin`) : builder;
}

// ---------------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------------

/**
 * Normalizes a numeric value read from any driver to a JS number: PostgreSQL's pg returns COUNT and SUM as
 * strings unless a type parser is set, mysql2 returns SUM (DECIMAL) as a string, and insert ids come back as
 * bigint. Null (e.g. SUM over no rows) becomes 0.
 */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number") return value;
  if (typeof value === "bigint" || typeof value === "string") {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  throw new TypeError(`expected a numeric database value, got ${typeof value === "string" ? `"${value}"` : typeof value}`);
}

/** Booleans are stored as 0/1 small ints on every dialect (MySQL and SQLite have no real boolean type). */
export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

export function fromFlag(value: unknown): boolean {
  return toNumber(value) !== 0;
}

// ---------------------------------------------------------------------------------------------------------
// Inserts
// ---------------------------------------------------------------------------------------------------------

/**
 * Runs an INSERT of one row into a table with an auto-increment `id` and returns the new id. PostgreSQL reports
 * no insert id, so it uses RETURNING. MySQL must NOT use RETURNING: with MysqlDialect against MariaDB it silently
 * returns no rows and no insert id, so the driver's `insertId` is used. SQLite reports `insertId` too.
 */
export async function insertAndGetId<DB, TB extends keyof DB & string>(db: Kysely<DB>, query: InsertQueryBuilder<DB, TB, InsertResult>): Promise<number> {
  if (dialectOf(db) === "postgres") {
    const row: unknown = await rethrowUniqueViolation(query.returning(sql<number | string>`id`.as("id")).executeTakeFirstOrThrow());
    if (typeof row !== "object" || row === null || !("id" in row)) throw new Error("the database returned no id for the inserted row");
    return toNumber(row.id);
  }
  const result = await rethrowUniqueViolation(query.executeTakeFirstOrThrow());
  if (result.insertId === undefined) throw new Error("the database did not report the id of the inserted row");
  return toNumber(result.insertId);
}

/**
 * Runs an INSERT that skips rows colliding with a unique key and returns how many rows were inserted.
 * PostgreSQL and SQLite use ON CONFLICT DO NOTHING. MySQL uses INSERT IGNORE because its affected-row count is
 * exactly the number of inserted rows; ON DUPLICATE KEY UPDATE id = id would count a skipped row as 1 under the
 * FOUND_ROWS flag mysql2 sets. (INSERT IGNORE also turns other errors into warnings, so callers pass only
 * values the schema accepts.)
 */
export async function insertIgnoringDuplicates<DB, TB extends keyof DB & string>(db: Kysely<DB>, query: InsertQueryBuilder<DB, TB, InsertResult>): Promise<number> {
  const statement = dialectOf(db) === "mysql" ? query.ignore() : query.onConflict((oc) => oc.doNothing());
  const results = await statement.execute();
  return results.reduce((sum, r) => sum + toNumber(r.numInsertedOrUpdatedRows), 0);
}

/**
 * Runs an INSERT that updates the existing row instead when `conflictColumns` (a primary or unique key) already
 * exist. `update` may refer to the existing row's columns qualified by table name; it must not rely on
 * PostgreSQL's `excluded` row, which MySQL lacks (and MariaDB lacks MySQL 8's row alias).
 */
export async function upsert<DB, TB extends keyof DB & string>(
  db: Kysely<DB>,
  query: InsertQueryBuilder<DB, TB, InsertResult>,
  conflictColumns: readonly (keyof DB[TB] & string)[],
  update: UpdateObject<DB, TB, TB>,
): Promise<void> {
  const statement =
    dialectOf(db) === "mysql"
      ? query.onDuplicateKeyUpdate(update)
      : // The same object is valid after ON CONFLICT, which sees the table's columns too; TypeScript cannot prove
        // that for a generic table, hence the cast.
        query.onConflict((oc) => oc.columns(conflictColumns).doUpdateSet(update as never));
  await rethrowUniqueViolation(statement.execute());
}

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------

/** True if `error` is a driver error for a duplicate primary or unique key on any of the three dialects. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return (
    code === "ER_DUP_ENTRY" || // mysql2
    errno === 1062 || // MySQL/MariaDB
    code === "23505" || // PostgreSQL unique_violation
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}

/** Awaits `work` and rethrows a duplicate-key error as a `UniqueViolationError`; other errors pass unchanged. */
export async function rethrowUniqueViolation<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new UniqueViolationError(error instanceof Error ? error.message : "duplicate key", { cause: error });
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------------------

/**
 * A case-insensitive "column contains text" condition that behaves the same everywhere: LIKE is case-sensitive
 * on PostgreSQL (and under MySQL's binary collation) but not on SQLite, and SQLite has no default escape
 * character, so both sides are lower-cased and `!` is declared as the escape for `%`, `_` and itself.
 */
export function containsText(column: string, text: string): RawBuilder<SqlBool> {
  const escaped = text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`);
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${`%${escaped}%`} escape '!'`;
}

/**
 * A case-sensitive "column starts with text" condition. LIKE would be case-insensitive on SQLite, so the prefix is
 * compared with substr, which all three dialects count in characters (code points), as `[...text]` does.
 */
export function startsWithText(column: string, text: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`substr(${sql.ref(column)}, 1, ${[...text].length}) = ${text}`;
}

/**
 * Whether an UPDATE can return the rows it changed (`UPDATE … RETURNING`): PostgreSQL and SQLite can; MariaDB 10
 * cannot, so there the rows are first locked and read (`SELECT … FOR UPDATE`), then updated.
 */
export function updateReturnsRows(db: Pick<Kysely<unknown>, "getExecutor">): boolean {
  return dialectOf(db) !== "mysql";
}

/**
 * A text column as a value the planner cannot look up in an index (`coalesce(column, '')`, the same value for a
 * NOT NULL column), for conditions that only re-check rows already found by id. PostgreSQL's statistics of a
 * table that grows fast (planned fires, runs) lag behind: it then believes that few rows are, say, PLANNED, and
 * scans every PLANNED row through the state index to find the 500 ids of a batch, rather than looking the ids up
 * by primary key — measured at 90 µs a row instead of 10 under a sustained load.
 */
export function filterOnly(column: string | RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`coalesce(${typeof column === "string" ? sql.ref(column) : column}, '')`;
}

/** `filterOnly` for a number column: `column + 0`, the same value, which no index serves (for conditions and order). */
export function filterOnlyNumber(column: string): RawBuilder<number> {
  return sql<number>`${sql.ref(column)} + 0`;
}

/**
 * `column IN (…values)`, for the batch lookups of the scheduler's hot path. PostgreSQL gets `column = ANY($1)`
 * with the values as one array parameter: an IN list of 500 parameters costs it more to parse and plan than the
 * lookup itself. The caller passes at least one value.
 */
export function inList(db: Pick<Kysely<unknown>, "getExecutor">, column: string, values: readonly (number | string)[]): RawBuilder<SqlBool> {
  if (dialectOf(db) === "postgres") {
    const type = values.every((value) => typeof value === "number") ? "bigint" : "text";
    return sql<SqlBool>`${sql.ref(column)} = any(cast(${pgArrayLiteral(values)} as ${sql.raw(type)}[]))`;
  }
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join([...values])})`;
}

/**
 * A PostgreSQL array literal (`{1,2,"text",NULL}`) of numbers, strings and NULLs, sent as one text parameter and
 * cast in the statement (`$1::bigint[]`). The driver serialises a JS array the same way, but escapes every element
 * (numbers too) with regular expressions: for the scheduler's arrays of hundreds of values that was 4 % of the
 * admin's CPU. Every string is quoted, so that separators, braces, blanks and the word NULL stay text; inside the
 * quotes only backslash and double quote need escaping.
 */
export function pgArrayLiteral(values: readonly unknown[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const value = values[i];
    if (value === null || value === undefined) out += "NULL";
    else if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a database number`);
      out += String(value);
    } else if (typeof value === "string") out += `"${NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, "\\$&") : value}"`;
    else throw new Error(`cannot write a value of type ${typeof value} into a PostgreSQL array`);
  }
  return `${out}}`;
}

const NEEDS_ESCAPE = /[\\"]/;
const ESCAPED = /[\\"]/g;
