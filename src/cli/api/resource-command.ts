import { readFileSync } from "node:fs";
import type { ParseArgsConfig } from "node:util";
import { parseFlagsAndArgs, UsageError } from "../args.js";
import { connect, CONNECTION_FLAGS, describeCallError, type ApiClients } from "./connection.js";

export type Flags = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** What a sub-command (`jobs list`, `runs logs`, …) receives. */
export interface SubCommandInput {
  readonly flags: Flags;
  readonly args: readonly string[];
  readonly json: boolean;
  /** Connects on first use, so that usage errors are reported before credentials are looked for. */
  clients(): ApiClients;
}

export interface SubCommand {
  readonly flags: NonNullable<ParseArgsConfig["options"]>;
  /** Exactly how many positional arguments it takes (resource ids); undefined means any number. */
  readonly args?: number | undefined;
  run(input: SubCommandInput): Promise<number | undefined> | Promise<void>;
}

/**
 * Runs `jobwire <resource> <sub-command> [args] [flags]`: parses the flags strictly, connects lazily, and turns
 * failed calls into the server's code and message (exit 1). Usage errors carry the resource's help (exit 2).
 */
export async function runResourceCommand(help: string, subCommands: Readonly<Record<string, SubCommand>>, argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError("a sub-command is required", help);
  const sub = subCommands[name];
  if (sub === undefined) throw new UsageError(`unknown sub-command "${name}"`, help);
  let parsed: ReturnType<typeof parseFlagsAndArgs>;
  try {
    parsed = parseFlagsAndArgs(rest, { ...CONNECTION_FLAGS, ...sub.flags });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), help);
  }
  const { flags, args } = parsed;
  if (sub.args !== undefined && args.length !== sub.args) {
    throw new UsageError(sub.args === 0 ? `"${name}" takes no argument, got "${args[0]}"` : `"${name}" takes ${sub.args} argument${sub.args > 1 ? "s" : ""} (an id), got ${args.length}`, help);
  }
  let clients: ApiClients | undefined;
  try {
    const code = await sub.run({ flags, args, json: flags["json"] === true, clients: () => (clients ??= connect(flags)) });
    return code ?? 0;
  } catch (error) {
    // A usage error found while running (a missing credential, a bad flag value) shows the usage line only:
    // the whole help would bury the one line that matters.
    if (error instanceof UsageError) throw error.help === undefined ? new UsageError(error.message, `${help.split("\n")[0] ?? ""}\nRun with --help for the options.\n`) : error;
    throw describeCallError(error);
  }
}

/** Reads a file named by a flag, `-` meaning standard input. */
export function readInput(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file === "-" ? "standard input" : `"${file}"`}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Parses JSON read from a file or stdin, naming the source on failure. */
export function readJsonInput(file: string): unknown {
  const text = readInput(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${file === "-" ? "standard input" : `"${file}"`} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A string flag's value, or undefined. */
export function str(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

/** An integer flag's value, refusing anything else. */
export function int(flags: Flags, name: string): number | undefined {
  const value = str(flags, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

/** The first positional argument; `runResourceCommand` has checked the count. */
export function firstArg(input: SubCommandInput): string {
  return input.args[0] ?? "";
}

/** Flags of list commands. */
export const PAGE_FLAGS = {
  "page-size": { type: "string" },
  "page-token": { type: "string" },
  all: { type: "boolean" },
} as const;

/**
 * Fetches one page, or every page with `--all`, and tells on stderr how to get the next page otherwise (stdout
 * stays the data alone, for scripts).
 */
export async function fetchPages<T>(flags: Flags, fetch: (pageSize: number, pageToken: string) => Promise<{ items: T[]; next: string }>): Promise<{ items: T[]; next: string }> {
  const pageSize = int(flags, "page-size") ?? 0;
  let pageToken = str(flags, "page-token") ?? "";
  const items: T[] = [];
  for (;;) {
    const page = await fetch(pageSize, pageToken);
    items.push(...page.items);
    if (flags["all"] !== true || page.next === "") {
      if (page.next !== "" && flags["json"] !== true) process.stderr.write(`more: --page-token ${page.next} (or --all)\n`);
      return { items, next: page.next };
    }
    pageToken = page.next;
  }
}
