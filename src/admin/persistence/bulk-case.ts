import { sql, type RawBuilder } from "kysely";
import type { DialectName } from "./dialect.js";

/** SQL types a per-row value is cast to on PostgreSQL, whose parameters are untyped inside CASE branches. */
export type CaseValueType = "bigint" | "integer" | "text";

/**
 * `CASE id WHEN <id> THEN <value> … END`: a different value per row in one UPDATE of many rows. Set-based updates
 * are what keep a burst cheap: one statement for a batch instead of one round trip, parse and log record per
 * row. When every row gets the same value, the plain value is used instead. PostgreSQL infers an untyped
 * parameter in a CASE branch as text, so its values carry an explicit cast there.
 */
export function caseById<V extends string | number>(dialect: DialectName, values: ReadonlyMap<number, V>, type: CaseValueType): RawBuilder<V> {
  const distinct = new Set(values.values());
  const cast = (value: V): RawBuilder<V> => (dialect === "postgres" ? sql<V>`cast(${value} as ${sql.raw(type)})` : sql<V>`${value}`);
  const [only] = distinct;
  if (distinct.size === 1 && only !== undefined) return cast(only);
  const branches = [...values].map(([id, value]) => sql`when ${id} then ${cast(value)}`);
  return sql<V>`case ${sql.ref("id")} ${sql.join(branches, sql` `)} end`;
}

/** Rows per set-based statement: with a few CASE columns this stays far below every dialect's parameter limit. */
export const BULK_CHUNK = 500;

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number = BULK_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
