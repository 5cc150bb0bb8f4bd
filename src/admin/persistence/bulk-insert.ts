import { CompiledQuery, type Kysely } from "kysely";
import { dialectOf, toNumber } from "./dialect.js";
import type { Database } from "./tables/index.js";

/**
 * Inserts rows (all with the same columns, in the same key order) with one multi-row INSERT, written as SQL text
 * directly rather than through the query builder: for a burst's 400 rows of 25 columns, building, freezing and
 * compiling the builder's tree cost the admin more than the database's work on the statement. Table and column
 * names come from the code, never from input; every value is a bound parameter.
 *
 * Returns the new ids in row order: PostgreSQL and SQLite return them (RETURNING), assigned in VALUES order within
 * one statement; MySQL reports only the first, and the caller passes the step between consecutive ids
 * (`idStep`), which InnoDB keeps for the rows of one statement unless its lock mode is "interleaved".
 */
export async function insertRowsReturningIds(db: Kysely<Database>, table: keyof Database, rows: readonly Readonly<Record<string, unknown>>[], idStep = 1): Promise<number[]> {
  const first = rows[0];
  if (first === undefined) return [];
  const dialect = dialectOf(db);
  const quote = (name: string): string => (dialect === "mysql" ? `\`${name}\`` : `"${name}"`);
  const columns = Object.keys(first);
  const parameters: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const marks: string[] = [];
    for (const column of columns) {
      parameters.push(row[column]);
      marks.push(dialect === "postgres" ? `$${parameters.length}` : "?");
    }
    tuples.push(`(${marks.join(", ")})`);
  }
  const text = `insert into ${quote(table)} (${columns.map(quote).join(", ")}) values ${tuples.join(", ")}`;
  if (dialect === "mysql") {
    const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
    if (result.insertId === undefined) throw new Error(`the database did not report the id of the rows inserted into ${table}`);
    const firstId = toNumber(result.insertId);
    return rows.map((_, i) => firstId + i * idStep);
  }
  const result = await db.executeQuery<{ id: unknown }>(CompiledQuery.raw(`${text} returning ${quote("id")}`, parameters));
  const ids = result.rows.map((row) => toNumber(row.id)).sort((a, b) => a - b);
  if (ids.length !== rows.length) throw new Error(`the database returned ${ids.length} ids for ${rows.length} rows inserted into ${table}`);
  return ids;
}
