import { create, toJson } from "@bufbuild/protobuf";
import { RunSchema, RunStateSchema, TriggerTypeSchema, type Run } from "../../gen/jobwire/v1/run_pb.js";
import { GetRunResponseSchema, ListRunsResponseSchema, TailRunLogResponseSchema } from "../../gen/jobwire/v1/run_service_pb.js";
import { CONNECTION_HELP } from "../api/connection.js";
import { printDetail, printJson, printTable } from "../api/output.js";
import { enumLabel, listFlag, parseEnum, parseTime, resourceName, shortId, timeLabel } from "../api/proto-values.js";
import { fetchPages, firstArg, int, PAGE_FLAGS, runResourceCommand, str, type SubCommand, type SubCommandInput } from "../api/resource-command.js";

export const RUNS_HELP = `Usage: jobwire runs <sub-command> [id] [options]

Sub-commands:
  list [--group ID] [--job ID] [--state failed,lost,…] [--since TIME] [--until TIME]
       [--page-size N] [--page-token T] [--all]        newest first; TIME is RFC 3339 or relative (-1h, -2d)
  get ID                                               the run with its trigger report
  kill ID                                              asks the executor to abort the run
  logs ID [--follow] [--from-line N]                   prints the run's log; --follow until the run ends

States: pending, running, succeeded, failed, timed-out, killed, lost.

${CONNECTION_HELP}
`;

const RUN_HEADER = ["ID", "JOB", "STATE", "TRIGGER", "SCHEDULED", "ADDRESS", "ATTEMPT", "MESSAGE"];
const runRow = (run: Run): string[] => [
  shortId(run.name),
  shortId(run.job),
  enumLabel(RunStateSchema, run.state),
  enumLabel(TriggerTypeSchema, run.triggerType),
  timeLabel(run.scheduledTime),
  run.executorAddress,
  String(run.attempt),
  truncate(run.handleMessage || run.triggerReport?.replyMessage || "", 60),
];

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function showRun(input: SubCommandInput, run: Run | undefined): void {
  if (input.json) printJson(GetRunResponseSchema, create(GetRunResponseSchema, run === undefined ? {} : { run }));
  else if (run !== undefined) printDetail(RunSchema, run);
}

const SUB_COMMANDS: Record<string, SubCommand> = {
  list: {
    args: 0,
    flags: { group: { type: "string" }, job: { type: "string" }, state: { type: "string", multiple: true }, since: { type: "string" }, until: { type: "string" }, ...PAGE_FLAGS },
    async run(input) {
      const { flags } = input;
      const group = str(flags, "group");
      const job = str(flags, "job");
      const since = str(flags, "since");
      const until = str(flags, "until");
      const states = (listFlag(flags["state"]) ?? []).map((s) => parseEnum(RunStateSchema, "state", s));
      const { items, next } = await fetchPages(flags, async (pageSize, pageToken) => {
        const reply = await input.clients().runs.listRuns({
          pageSize,
          pageToken,
          executorGroup: group === undefined ? "" : resourceName("executorGroups", group),
          job: job === undefined ? "" : resourceName("jobs", job),
          states,
          ...(since === undefined ? {} : { startTime: parseTime("since", since) }),
          ...(until === undefined ? {} : { endTime: parseTime("until", until) }),
        });
        return { items: reply.runs, next: reply.nextPageToken };
      });
      if (input.json) printJson(ListRunsResponseSchema, create(ListRunsResponseSchema, { runs: items, nextPageToken: next }));
      else printTable(RUN_HEADER, items.map(runRow));
    },
  },
  get: {
    args: 1,
    flags: {},
    async run(input) {
      const { run } = await input.clients().runs.getRun({ name: resourceName("runs", firstArg(input)) });
      showRun(input, run);
    },
  },
  kill: {
    args: 1,
    flags: {},
    async run(input) {
      const { run } = await input.clients().runs.killRun({ name: resourceName("runs", firstArg(input)) });
      if (input.json || run === undefined) showRun(input, run);
      else process.stdout.write(`${run.name}: ${enumLabel(RunStateSchema, run.state)}\n`);
    },
  },
  logs: {
    args: 1,
    flags: { follow: { type: "boolean", short: "f" }, "from-line": { type: "string" } },
    async run(input) {
      const stream = input.clients().runs.tailRunLog({
        name: resourceName("runs", firstArg(input)),
        fromLine: int(input.flags, "from-line") ?? 0,
        follow: input.flags["follow"] === true,
      });
      // Ctrl-C ends a follow quietly with exit 0, like `tail -f`.
      const stop = new Promise<"stopped">((resolve) => process.once("SIGINT", () => resolve("stopped")));
      const iterator = stream[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([iterator.next(), stop]);
        if (next === "stopped" || next.done === true) break;
        const chunk = next.value;
        // One JSON object per line with --json, so that a follow can be piped into a line-oriented tool.
        if (input.json) process.stdout.write(`${JSON.stringify(toJson(TailRunLogResponseSchema, chunk))}\n`);
        else if (chunk.lines.length > 0) process.stdout.write(chunk.lines.map((line) => `${line}\n`).join(""));
        if (chunk.end) break;
      }
      await iterator.return?.();
    },
  },
};

export function runRunsCommand(argv: readonly string[]): Promise<number> {
  return runResourceCommand(RUNS_HELP, SUB_COMMANDS, argv);
}
