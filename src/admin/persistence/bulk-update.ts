import { CompiledQuery, sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import { dialectOf, pgArrayLiteral, toNumber, type DialectName } from "./dialect.js";
import { statementText } from "./statement-texts.js";
import type { Database } from "./tables/index.js";

/** SQL types of per-row values; PostgreSQL needs them spelled out for parameters whose type it cannot infer. */
export type CaseValueType = "bigint" | "integer" | "text";

/** A value that differs per row: its SQL type, and how to read it from a row. */
export interface RowValue<R> {
  readonly type: CaseValueType;
  readonly of: (row: R) => string | number;
}

/** Builds SQL from the per-row values (`value(name)`) and the target row's current columns (`current(column)`). */
export type BulkExpression<T> = (value: (name: string) => RawBuilder<unknown>, current: (column: string) => RawBuilder<unknown>) => T;

export interface BulkUpdate<R> {
  readonly table: keyof Database;
  readonly rows: readonly R[];
  readonly id: (row: R) => number;
  readonly values: Readonly<Record<string, RowValue<R>>>;
  /** Column assignments; a plain value is the same for every row. */
  readonly set: BulkExpression<Readonly<Record<string, RawBuilder<unknown> | string | number>>>;
  /** Only rows that also match this are updated. */
  readonly where?: BulkExpression<RawBuilder<SqlBool>>;
}

/** Rows per set-based statement: with a few value columns this stays far below every dialect's parameter limit. */
export const BULK_CHUNK = 500;

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number = BULK_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Updates many rows by id with a different value per row, in one statement per chunk (at most `BULK_CHUNK` rows;
 * the caller chunks). Set-based updates are what keep a burst cheap: one statement for a batch instead of one round
 * trip, parse and log record per row.
 *
 * PostgreSQL and SQLite join the table to the per-row values (`WITH v(id, …) AS (…) UPDATE … FROM v`: arrays through
 * `unnest` on PostgreSQL, a VALUES list on SQLite), which costs one lookup per row; MySQL/MariaDB 10 has neither UPDATE … FROM nor a VALUES list with column names, so it gets
 * `CASE id WHEN … THEN … END` per column, whose cost grows with the square of the chunk (every row scans the
 * branches). Returns how many rows changed and, with `returning` where `updateReturnsRows` (not MySQL), their ids.
 */
export async function bulkUpdate<R>(db: Kysely<Database>, spec: BulkUpdate<R>, returning = false): Promise<{ count: number; ids: number[] }> {
  if (spec.rows.length === 0) return { count: 0, ids: [] };
  const dialect = dialectOf(db);
  return dialect === "mysql" ? caseUpdate(db, spec) : valuesUpdate(db, dialect, spec, returning);
}

async function valuesUpdate<R>(db: Kysely<Database>, dialect: DialectName, spec: BulkUpdate<R>, returning: boolean): Promise<{ count: number; ids: number[] }> {
  const names = Object.keys(spec.values);
  const value = (name: string): RawBuilder<unknown> => sql.ref(`v.${name}`);
  const current = (column: string): RawBuilder<unknown> => sql.ref(`t.${column}`);
  const assignments = Object.entries(spec.set(value, current)).map(([column, expression]) => sql`${sql.ref(column)} = ${expression}`);
  const where = spec.where === undefined ? sql`` : sql` and ${spec.where(value, current)}`;
  // SQLite's RETURNING sees only the updated table, under its own name; PostgreSQL's sees v too and needs the alias.
  const returnedId = dialect === "sqlite" ? sql.ref("id") : sql.ref("t.id");
  const update = sql`update ${sql.table(spec.table)} as t set ${sql.join(assignments)} from v where ${sql.ref("t.id")} = ${sql.ref("v.id")}${where}${returning ? sql` returning ${returnedId}` : sql``}`.compile(db);
  const columnList = ["id", ...names].map((name) => `"${name}"`).join(", ");
  let text: string;
  let all: unknown[];
  if (dialect === "postgres") {
    // One array per column (`unnest`), numbered after the UPDATE's own parameters: a VALUES list of thousands of
    // parameters costs PostgreSQL more to parse and plan than the update itself, a dozen arrays next to nothing.
    const columns = [{ type: "bigint" as CaseValueType, of: spec.id }, ...names.map((name) => spec.values[name] as RowValue<R>)];
    const arrays = columns.map((column) => pgArrayLiteral(spec.rows.map((row) => column.of(row))));
    const offset = update.parameters.length;
    text = `with v(${columnList}) as (select * from unnest(${columns.map((column, i) => `$${offset + i + 1}::${column.type}[]`).join(", ")})) ${update.sql}`;
    all = [...update.parameters, ...arrays];
  } else {
    // The VALUES list is written as text with its own parameters: as a query-builder tree (a node per cell) it cost
    // the admin more than the statement cost the database. SQLite's parameters are positional, and the list comes
    // first in the statement.
    const parameters: unknown[] = [];
    const values = names.map((name) => spec.values[name] as RowValue<R>);
    for (const row of spec.rows) {
      parameters.push(spec.id(row));
      for (const value of values) parameters.push(value.of(row));
    }
    text = statementText(`${columnList}|${spec.rows.length}|${update.sql}`, () => {
      const tuple = `(${new Array<string>(names.length + 1).fill("?").join(", ")})`;
      return `with v(${columnList}) as (values ${new Array<string>(spec.rows.length).fill(tuple).join(", ")}) ${update.sql}`;
    });
    all = [...parameters, ...update.parameters];
  }
  const result = await db.executeQuery<{ id: unknown }>(CompiledQuery.raw(text, all));
  if (returning) return { count: result.rows.length, ids: result.rows.map((row) => toNumber(row.id)) };
  return { count: toNumber(result.numAffectedRows ?? 0), ids: [] };
}

async function caseUpdate<R>(db: Kysely<Database>, spec: BulkUpdate<R>): Promise<{ count: number; ids: number[] }> {
  const value = (name: string): RawBuilder<unknown> => {
    const column = spec.values[name];
    if (column === undefined) throw new Error(`bulk update of ${spec.table}: no per-row value "${name}"`);
    return caseById(new Map(spec.rows.map((row) => [spec.id(row), column.of(row)])));
  };
  const current = (column: string): RawBuilder<unknown> => sql.ref(column);
  const assignments = Object.entries(spec.set(value, current)).map(([column, expression]) => sql`${sql.ref(column)} = ${expression}`);
  const ids = spec.rows.map(spec.id);
  const where = spec.where === undefined ? sql`` : sql` and ${spec.where(value, current)}`;
  const result = await sql`update ${sql.table(spec.table)} set ${sql.join(assignments)} where ${sql.ref("id")} in (${sql.join(ids)})${where}`.execute(db);
  return { count: toNumber(result.numAffectedRows ?? 0), ids: [] };
}

/**
 * `CASE id WHEN <id> THEN <value> … END`: a different value per row (MySQL's form of a bulk update). When every row
 * gets the same value, the plain value is used instead.
 */
function caseById(values: ReadonlyMap<number, string | number>): RawBuilder<unknown> {
  const distinct = new Set(values.values());
  const [only] = distinct;
  if (distinct.size === 1 && only !== undefined) return sql`${only}`;
  const branches = [...values].map(([id, value]) => sql`when ${id} then ${value}`);
  return sql`case ${sql.ref("id")} ${sql.join(branches, sql` `)} end`;
}
