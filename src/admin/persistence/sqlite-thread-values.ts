/**
 * How statement parameters and result rows cross between the admin's thread and its SQLite thread. A message's
 * values are copied by the structured clone algorithm, which costs about 50–100 ns per array element, and more for
 * the frozen arrays Kysely hands out: for the scheduler's 500-row statements (10 000 parameters) that was more work
 * on the admin's thread than SQLite's own had been. Packed here, every number goes into one typed array (moved, not
 * copied) and every string into one long string (copied in one piece), a few nanoseconds per value on each side.
 */

const NULL = 0;
const NUMBER = 1;
const STRING = 2;
const BIGINT = 3;

/** Values packed by `packValues`. */
export interface PackedValues {
  /** Per value: null, number, string or bigint. */
  readonly kinds: Uint8Array;
  /** Per value: the number, or the length of the string (a bigint's decimal digits) within `text`. */
  readonly numbers: Float64Array;
  /** The strings, one after the other. */
  readonly text: string;
}

/** The buffers to move (not copy) with a message carrying `packed`. */
export function transferablesOf(packed: PackedValues): ArrayBuffer[] {
  return [packed.kinds.buffer as ArrayBuffer, packed.numbers.buffer as ArrayBuffer];
}

/**
 * Packs `values`, or returns undefined when one is not a number, string, bigint or null (a Buffer, say): those go as
 * they are, and the receiver deals with them as it would have.
 */
export function packValues(values: ArrayLike<unknown>): PackedValues | undefined {
  const count = values.length;
  const kinds = new Uint8Array(count);
  const numbers = new Float64Array(count);
  let text = "";
  for (let i = 0; i < count; i++) {
    const value = values[i];
    if (typeof value === "number") {
      kinds[i] = NUMBER;
      numbers[i] = value;
    } else if (typeof value === "string") {
      kinds[i] = STRING;
      numbers[i] = value.length;
      text += value;
    } else if (value === null) {
      kinds[i] = NULL;
    } else if (typeof value === "bigint") {
      const digits = value.toString();
      kinds[i] = BIGINT;
      numbers[i] = digits.length;
      text += digits;
    } else {
      return undefined;
    }
  }
  return { kinds, numbers, text };
}

/** The values `packValues` packed, in order. */
export function unpackValues(packed: PackedValues): unknown[] {
  const { kinds, numbers, text } = packed;
  const values = new Array<unknown>(kinds.length);
  let at = 0;
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i];
    if (kind === NUMBER) {
      values[i] = numbers[i];
    } else if (kind === NULL) {
      values[i] = null;
    } else {
      const end = at + (numbers[i] as number);
      const piece = text.slice(at, end);
      at = end;
      values[i] = kind === BIGINT ? BigInt(piece) : piece;
    }
  }
  return values;
}

/** Result rows as column names and the cells of every row, row after row. */
export interface PackedRows {
  readonly columns: readonly string[];
  /** Packed cells, or (when one could not be packed) the rows' cells as they are. */
  readonly cells: PackedValues | readonly (readonly unknown[])[];
}

/** Packs rows read as arrays of cells (better-sqlite3's raw mode), in the order of `columns`. */
export function packRows(columns: readonly string[], rows: readonly (readonly unknown[])[]): PackedRows {
  const flat: unknown[] = [];
  for (const row of rows) for (const cell of row) flat.push(cell);
  return { columns, cells: packValues(flat) ?? rows };
}

/** The rows `packRows` packed, as objects keyed by column name (a repeated name keeps its last value, as SQLite's do). */
export function unpackRows(packed: PackedRows): Record<string, unknown>[] {
  const { columns, cells } = packed;
  const width = columns.length;
  const flat = isPacked(cells) ? unpackValues(cells) : cells.flat();
  const rows: Record<string, unknown>[] = [];
  for (let start = 0; start < flat.length; start += width) {
    const row: Record<string, unknown> = {};
    for (let column = 0; column < width; column++) row[columns[column] as string] = flat[start + column];
    rows.push(row);
  }
  return rows;
}

/** Whether `values` were packed (rather than sent as they are). */
export function isPacked(values: PackedValues | readonly unknown[]): values is PackedValues {
  return !Array.isArray(values);
}
