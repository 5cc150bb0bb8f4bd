import { parseArgs, type ParseArgsConfig } from "node:util";

/** A usage error: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** The help of the command that was misused, printed instead of the general help when set. */
  readonly help: string | undefined;
  constructor(message: string, help?: string) {
    super(message);
    this.help = help;
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses `--flag value` options strictly (unknown flags are errors, not silently ignored) and returns the
 * string values; each command resolves them against environment variables and defaults itself.
 */
export function parseFlags(argv: readonly string[], options: Options): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Parses options strictly and also returns the positional arguments (resource ids, sub-commands). */
export function parseFlagsAndArgs(
  argv: readonly string[],
  options: Options,
): { flags: Record<string, string | boolean | string[] | undefined>; args: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    return { flags: values as Record<string, string | boolean | string[] | undefined>, args: positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The flag's value, else the environment variable's, else the default. */
export function setting(flags: Readonly<Record<string, string | boolean | string[] | undefined>>, flag: string, env: string, fallback?: string): string | undefined {
  const value = flags[flag];
  if (typeof value === "string") return value;
  const fromEnv = process.env[env];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return fallback;
}

/** Reads an integer setting, refusing anything that is not one. */
export function intSetting(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, got "${value}"`);
  return Number(value);
}
