import { CompiledQuery, type Kysely } from "kysely";
import { dialectOf, pgArrayLiteral, toNumber, type DialectName } from "./dialect.js";
import { statementText } from "./statement-texts.js";
import type { Database } from "./tables/index.js";

type Row = Readonly<Record<string, unknown>>;

/**
 * Inserts rows (all with the same columns, in the same key order) with one multi-row INSERT, written as SQL text
 * directly rather than through the query builder: for a burst's 400 rows of 25 columns, building, freezing and
 * compiling the builder's tree cost the admin more than the database's work on the statement. Table and column
 * names come from the code, never from input; every value is a bound parameter.
 *
 * On PostgreSQL the rows travel as one array per column (`INSERT … SELECT * FROM unnest($1::bigint[], …)`): a
 * VALUES list of thousands of parameters costs PostgreSQL milliseconds to parse and plan per statement, and the
 * driver as much to bind, where a dozen arrays cost next to nothing; measured on a run-shaped table, the array
 * form halved the database's CPU per row.
 *
 * Returns the new ids in row order: PostgreSQL returns them (RETURNING), assigned in row order within one
 * statement; SQLite reports the last, and numbers the rows of one statement consecutively; MySQL reports only the
 * first, and the caller passes the step between consecutive ids (`idStep`), which InnoDB keeps for the rows of one
 * statement unless its lock mode is "interleaved".
 */
export async function insertRowsReturningIds(db: Kysely<Database>, table: keyof Database, rows: readonly Row[], idStep = 1): Promise<number[]> {
  if (rows.length === 0) return [];
  const dialect = dialectOf(db);
  const { text, parameters } = insertStatement(dialect, table, rows, false);
  if (dialect === "mysql") {
    const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
    if (result.insertId === undefined) throw new Error(`the database did not report the id of the rows inserted into ${table}`);
    const firstId = toNumber(result.insertId);
    return rows.map((_, i) => firstId + i * idStep);
  }
  if (dialect === "sqlite") {
    // SQLite gives each new row the id one above the largest so far, and a database has one writer at a time, so
    // the rows of one statement are numbered consecutively and the last id names them all. RETURNING would cost a
    // third more per row.
    const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
    if (result.insertId === undefined || toNumber(result.numAffectedRows ?? 0) !== rows.length) {
      throw new Error(`the database did not report the ids of the ${rows.length} rows inserted into ${table}`);
    }
    const firstId = toNumber(result.insertId) - rows.length + 1;
    return rows.map((_, i) => firstId + i);
  }
  const result = await db.executeQuery<{ id: unknown }>(CompiledQuery.raw(`${text} returning ${quote(dialect, "id")}`, parameters));
  const ids = result.rows.map((row) => toNumber(row.id)).sort((a, b) => a - b);
  if (ids.length !== rows.length) throw new Error(`the database returned ${ids.length} ids for ${rows.length} rows inserted into ${table}`);
  return ids;
}

/**
 * Inserts rows like `insertRowsReturningIds`, skipping those that would duplicate a unique key (MySQL's INSERT
 * IGNORE, elsewhere ON CONFLICT DO NOTHING); returns how many rows were inserted.
 */
export async function insertRowsIgnoringDuplicates(db: Kysely<Database>, table: keyof Database, rows: readonly Row[]): Promise<number> {
  if (rows.length === 0) return 0;
  const dialect = dialectOf(db);
  const { text, parameters } = insertStatement(dialect, table, rows, true);
  const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
  return toNumber(result.numAffectedRows ?? 0);
}

/**
 * Inserts rows like `insertRowsIgnoringDuplicates` and also returns `columns` of the new rows (the generated id, say,
 * and what identifies each row) on the databases whose INSERT can: PostgreSQL and SQLite (RETURNING, which lists
 * only the rows actually inserted). Callers ask for few columns: SQLite's RETURNING costs per column returned, and
 * `returning *` made a planning insert a third dearer. MySQL/MariaDB's INSERT IGNORE cannot return rows, so there
 * `rows` is undefined and the caller reads the new rows back itself.
 */
export async function insertRowsIgnoringDuplicatesReturning<C extends string>(
  db: Kysely<Database>,
  table: keyof Database,
  rows: readonly Row[],
  columns: readonly C[],
): Promise<{ count: number; rows: Record<C, unknown>[] | undefined }> {
  const dialect = dialectOf(db);
  if (dialect === "mysql") return { count: await insertRowsIgnoringDuplicates(db, table, rows), rows: undefined };
  if (rows.length === 0) return { count: 0, rows: [] };
  const { text, parameters } = insertStatement(dialect, table, rows, true);
  const result = await db.executeQuery<Record<C, unknown>>(CompiledQuery.raw(`${text} returning ${columns.map((column) => quote(dialect, column)).join(", ")}`, parameters));
  return { count: result.rows.length, rows: [...result.rows] };
}

function quote(dialect: DialectName, name: string): string {
  return dialect === "mysql" ? `\`${name}\`` : `"${name}"`;
}

function insertStatement(dialect: DialectName, table: keyof Database, rows: readonly Row[], ignoreDuplicates: boolean): { text: string; parameters: unknown[] } {
  const columns = Object.keys(rows[0] ?? {});
  const into = `${dialect === "mysql" && ignoreDuplicates ? "insert ignore" : "insert"} into ${quote(dialect, table)} (${columns.map((c) => quote(dialect, c)).join(", ")})`;
  const conflict = dialect !== "mysql" && ignoreDuplicates ? " on conflict do nothing" : "";
  if (dialect === "postgres") {
    const { selectList, arrays, types } = columnArrays(table, columns, rows);
    const unnest = arrays.map((_, i) => `$${i + 1}::${types[i] ?? "text"}[]`).join(", ");
    return { text: `${into} select ${selectList} from unnest(${unnest}) as v(${arrays.map((_, i) => `c${i}`).join(", ")})${conflict}`, parameters: arrays.map(pgArrayLiteral) };
  }
  const parameters: unknown[] = [];
  for (const row of rows) {
    for (const column of columns) parameters.push(row[column]);
  }
  const text = statementText(`${into}|${rows.length}|${conflict}`, () => {
    const marks = `(${columns.map(() => "?").join(", ")})`;
    return `${into} values ${new Array<string>(rows.length).fill(marks).join(", ")}${conflict}`;
  });
  return { text, parameters };
}

/**
 * The rows as one array per column for `unnest`, with each array's element type read from its values (whole
 * numbers as bigint, which PostgreSQL narrows to integer and smallint columns on insert; strings as text, which it
 * narrows to varchar). A column that is NULL in every row is written as a literal NULL, which takes the column's
 * own type, since an array of nothing but NULLs has no type to read.
 */
function columnArrays(table: string, columns: readonly string[], rows: readonly Row[]): { selectList: string; arrays: unknown[][]; types: string[] } {
  const arrays: unknown[][] = [];
  const types: string[] = [];
  const select: string[] = [];
  for (const column of columns) {
    const values = rows.map((row) => row[column]);
    const type = elementType(table, column, values);
    if (type === undefined) {
      select.push("null");
      continue;
    }
    select.push(`c${arrays.length}`);
    arrays.push(values);
    types.push(type);
  }
  return { selectList: select.join(", "), arrays, types };
}

function elementType(table: string, column: string, values: readonly unknown[]): string | undefined {
  let type: string | undefined;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    const next = typeof value === "string" ? "text" : typeof value === "number" ? (Number.isInteger(value) ? "bigint" : "double precision") : undefined;
    if (next === undefined) throw new Error(`cannot insert a ${typeof value} into ${table}.${column}: only strings, numbers and NULL are written in bulk`);
    if (type === undefined || (type === "bigint" && next === "double precision")) type = next;
    else if (type !== next && !(type === "double precision" && next === "bigint")) throw new Error(`${table}.${column} mixes ${type} and ${next} values in one bulk insert`);
  }
  return type;
}
