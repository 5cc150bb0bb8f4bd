import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

/** Prints a response as protobuf JSON (the `--json` form), two-space indented. */
export function printJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): void {
  process.stdout.write(`${JSON.stringify(toJson(schema, message), null, 2)}\n`);
}

/** Prints rows as a table with a header, columns padded to their widest cell; "(none)" when empty. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  if (rows.length === 0) {
    process.stdout.write("(none)\n");
    return;
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => oneLine(r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? oneLine(c) : oneLine(c).padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join("\n")}\n`);
}

/**
 * Prints one message as `field: value` lines from its JSON form, nested fields joined with dots and lists with
 * indices, so that every field is shown without a hand-written layout per message.
 */
export function printDetail<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): void {
  const lines: [string, string][] = [];
  flatten("", toJson(schema, message), lines);
  const width = Math.max(0, ...lines.map(([k]) => k.length));
  process.stdout.write(lines.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join("\n") + (lines.length > 0 ? "\n" : ""));
}

function flatten(prefix: string, value: unknown, out: [string, string][]): void {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== "object" || v === null)) {
      out.push([prefix, value.map(String).join(", ")]);
      return;
    }
    value.forEach((v, i) => flatten(`${prefix}[${i}]`, v, out));
    return;
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) flatten(prefix === "" ? key : `${prefix}.${key}`, v, out);
    return;
  }
  out.push([prefix, String(value)]);
}

/** Tables show one line per row: newlines in values (say, a handle message) are shown as `⏎`. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, " ⏎ ");
}
