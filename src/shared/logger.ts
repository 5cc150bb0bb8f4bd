/**
 * A minimal structured logger interface. Both the admin and the executor SDK accept one in their options so that
 * an embedding service can route jobwire's messages into its own logging; the default writes one line per event
 * to stderr.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Creates a logger writing `time level [name] message key=value…` lines to stderr. */
export function createConsoleLogger(name: string, level: LogLevel = "info"): Logger {
  const write = (at: Exclude<LogLevel, "silent">, message: string, fields?: Record<string, unknown>): void => {
    if (LEVEL_ORDER[at] < LEVEL_ORDER[level]) return;
    const extra = fields === undefined ? "" : " " + Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`).join(" ");
    process.stderr.write(`${new Date().toISOString()} ${at.toUpperCase()} [${name}] ${message}${extra}\n`);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}

/** A logger that drops everything, for tests and embedding code that wants silence. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.stack ?? value.message);
  if (typeof value === "string") return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}
