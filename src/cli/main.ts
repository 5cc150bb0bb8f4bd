#!/usr/bin/env node
import { JOBWIRE_VERSION } from "../shared/version.js";
import { UsageError } from "./args.js";

const HELP = `Usage: jobwire <command> [options]

Commands:
  admin      run an admin (scheduler, API, console)
  cron       print the next fire times of a Quartz cron expression (cron next '<expression>')
  executor   run the demo executor
  start      run an admin and the demo executor together (what npm start does)
  version    print the version

API commands (against a running admin; credentials from JOBWIRE_API_KEY, JOBWIRE_SESSION or --api-key):
  login      log in; print the session token or store it (--save)
  jobs       list|get|create|update|start|stop|trigger|delete|export|import
  runs       list|get|kill|logs [--follow]
  groups     list|get|create|update|delete|executors|rotate-token
  users      list|get|create|update|delete|api-keys

Run "jobwire <command> --help" for a command's options.
`;

/**
 * Each command's module is loaded only when that command runs: `jobwire cron` should not load (and, under tsx,
 * compile) the whole admin and executor.
 */
const HELPS: Record<string, () => Promise<string>> = {
  admin: async () => (await import("./commands/admin.js")).ADMIN_HELP,
  cron: async () => (await import("./commands/cron.js")).CRON_HELP,
  executor: async () => (await import("./commands/executor.js")).EXECUTOR_HELP,
  start: async () => (await import("./commands/start.js")).START_HELP,
  login: async () => (await import("./commands/login.js")).LOGIN_HELP,
  jobs: async () => (await import("./commands/jobs.js")).JOBS_HELP,
  runs: async () => (await import("./commands/runs.js")).RUNS_HELP,
  groups: async () => (await import("./commands/groups.js")).GROUPS_HELP,
  users: async () => (await import("./commands/users.js")).USERS_HELP,
};

/** The API commands: each runs to completion and returns its exit code. */
const API_COMMANDS: Record<string, () => Promise<(argv: readonly string[]) => Promise<number>>> = {
  login: async () => (await import("./commands/login.js")).runLoginCommand,
  jobs: async () => (await import("./commands/jobs.js")).runJobsCommand,
  runs: async () => (await import("./commands/runs.js")).runRunsCommand,
  groups: async () => (await import("./commands/groups.js")).runGroupsCommand,
  users: async () => (await import("./commands/users.js")).runUsersCommand,
};

/** Runs until SIGINT/SIGTERM for the long-running commands, then stops gracefully. */
async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write((await HELPS[command]?.()) ?? HELP);
    return 0;
  }
  const api = API_COMMANDS[command];
  if (api !== undefined) return (await api())(rest);
  let stop: () => Promise<void>;
  switch (command) {
    case "version":
      process.stdout.write(`jobwire ${JOBWIRE_VERSION}\n`);
      return 0;
    case "admin": {
      const { runAdminCommand } = await import("./commands/admin.js");
      const admin = await runAdminCommand(rest);
      stop = () => admin.stop();
      break;
    }
    case "executor": {
      const { runExecutorCommand } = await import("./commands/executor.js");
      const executor = await runExecutorCommand(rest);
      stop = () => executor.stop();
      break;
    }
    case "start": {
      const { runStartCommand } = await import("./commands/start.js");
      stop = await runStartCommand(rest);
      break;
    }
    case "cron": {
      const { runCronCommand } = await import("./commands/cron.js");
      return runCronCommand(rest);
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
  await new Promise<void>((resolve) => {
    const onSignal = (): void => resolve();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
  process.stderr.write("stopping…\n");
  await stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`jobwire: ${error.message}\n\n${error.help ?? HELP}`);
      process.exit(2);
    }
    process.stderr.write(`jobwire: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
