import { parseArgs } from "node:util";
import { systemTimeZone } from "../../admin/schedule/next-fire-time.js";
import { CronExpressionError, isValidTimeZone, parseQuartzCron } from "../../admin/schedule/quartz-cron.js";
import { intSetting, UsageError } from "../args.js";

const MAX_COUNT = 1000;
const DEFAULT_COUNT = 5;

export const CRON_HELP = `Usage: jobwire cron next '<expression>' [options]

Prints the next fire times of a Quartz cron expression, one ISO-8601 UTC instant per line, computed by the
same code as the admin's schedules and its next-fire-time preview. Quote the expression: it holds spaces,
* and ?.

  second minute hour day-of-month month day-of-week [year]
  e.g. '0 0 12 * * ?', '0 15 10 ? * MON-FRI', '0 0 0 L-2 * ?', '0 30 9 ? * 6#3', '0 0 8 15W * ? 2027'

Options:
  --from INSTANT   list fire times after this ISO-8601 instant, with Z or an offset,
                   e.g. 2026-01-01T00:00:00Z or 2026-01-01T08:00:00+08:00 (default: now)
  --tz ZONE        IANA time zone the expression is read in, e.g. Asia/Shanghai
                   (default: the TZ environment variable, else the system zone, as for the admin)
  --count N        how many fire times, 1-${MAX_COUNT} (default ${DEFAULT_COUNT})

Fewer lines (or none) are printed when the schedule ends, e.g. a past year; a note then goes to stderr.

Exit codes: 0 listed; 1 the expression is not valid Quartz; 2 usage error (unknown command or option,
missing expression, or a bad --from, --tz or --count value).
`;

const CRON_FLAGS = {
  from: { type: "string" },
  tz: { type: "string" },
  count: { type: "string" },
} as const;

export interface CronCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly now: () => number;
}

const PROCESS_IO: CronCommandIo = { stdout: process.stdout, stderr: process.stderr, now: () => Date.now() };

/** Runs `jobwire cron <subcommand>` and returns the exit code; nothing here waits for a signal. */
export function runCronCommand(argv: readonly string[], io: CronCommandIo = PROCESS_IO): number {
  try {
    const [subcommand, ...rest] = argv;
    if (subcommand !== "next") {
      throw new UsageError(subcommand === undefined ? "missing subcommand: jobwire cron next '<expression>'" : `unknown subcommand "${subcommand}"; expected next`);
    }
    return listNextFireTimes(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`jobwire cron: ${error.message}\nRun "jobwire cron --help" for usage.\n`);
    return 2;
  }
}

function listNextFireTimes(argv: readonly string[], io: CronCommandIo): number {
  const { flags, expression } = parseNextArgs(argv);
  const count = parseCount(flags.count);
  const from = flags.from === undefined ? io.now() : parseInstant(flags.from);
  const zone = flags.tz ?? systemTimeZone();
  if (!isValidTimeZone(zone)) throw new UsageError(`--tz "${zone}" is not an IANA time zone, e.g. "Asia/Shanghai" or "UTC"`);

  let times: number[];
  try {
    times = parseQuartzCron(expression, zone).nextTimes(from, count);
  } catch (error) {
    if (!(error instanceof CronExpressionError)) throw error;
    io.stderr.write(`jobwire cron: "${expression}" ${error.message}\n`);
    return 1;
  }
  io.stdout.write(times.map((t) => `${formatInstant(t)}\n`).join(""));
  if (times.length < count) {
    const ended = times.length === 0 ? "never fires" : `fires only ${times.length} more time${times.length === 1 ? "" : "s"}`;
    io.stderr.write(`jobwire cron: "${expression}" ${ended} after ${formatInstant(from)} in ${zone}\n`);
  }
  return 0;
}

function parseNextArgs(argv: readonly string[]): { flags: { from?: string | undefined; tz?: string | undefined; count?: string | undefined }; expression: string } {
  const parse = () => parseArgs({ args: [...argv], options: CRON_FLAGS, strict: true, allowPositionals: true });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError("missing the cron expression: jobwire cron next '0 0 12 * * ?'");
  if (positionals.length > 1) {
    throw new UsageError(`expected one cron expression, got ${positionals.length} arguments; quote it: jobwire cron next '${positionals.join(" ")}'`);
  }
  return { flags: values, expression: positionals[0] ?? "" };
}

function parseCount(text: string | undefined): number {
  const count = intSetting("--count", text) ?? DEFAULT_COUNT;
  if (count < 1 || count > MAX_COUNT) throw new UsageError(`--count must be from 1 to ${MAX_COUNT}, got ${count}`);
  return count;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * An ISO-8601 instant. A zone designator is required (a local time would depend on the machine), and the
 * calendar fields are checked because Date.parse quietly rolls 2026-02-30 over to March.
 */
function parseInstant(text: string): number {
  const fail = (): never => {
    throw new UsageError(`--from "${text}" is not an ISO-8601 instant with a zone, e.g. 2026-01-01T00:00:00Z or 2026-01-01T08:00:00+08:00`);
  };
  const match = INSTANT.exec(text);
  if (match === null) return fail();
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const daysInMonth = new Date(Date.UTC(year ?? 0, month ?? 0, 0)).getUTCDate();
  if (month === undefined || month < 1 || month > 12 || day === undefined || day < 1 || day > daysInMonth) fail();
  if ((hour ?? 0) > 23 || (minute ?? 0) > 59 || (second ?? 0) > 59) fail();
  const instant = Date.parse(text.toUpperCase());
  return Number.isNaN(instant) ? fail() : instant;
}

/** 2026-01-01T12:00:00Z; milliseconds only when there are any (fire times are whole seconds). */
function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}
