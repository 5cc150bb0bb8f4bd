import { createExecutor, type Executor, type ExecutorOptions } from "../../executor/index.js";
import { intSetting, parseFlags, setting, UsageError } from "../args.js";
import { DEFAULT_DEMO_HANDLER_SETTINGS, registerDemoHandlers, type DemoHandlerSettings } from "../demo/demo-handlers.js";
import { HostAllowList } from "../demo/host-allow-list.js";

export const EXECUTOR_HELP = `Usage: jobwire executor [options]

Runs the demo executor with the sample handlers (demoJobHandler, shardingJobHandler, httpJobHandler,
commandJobHandler).

Options (environment variable in brackets):
  --admin URLS         comma-separated admin URLs (default http://127.0.0.1:8080)  [JOBWIRE_ADMIN_ADDRESSES]
  --app-name NAME      executor group app name (default jobwire-demo)             [JOBWIRE_APP_NAME]
  --access-token TOKEN the group's access token (required)                        [JOBWIRE_ACCESS_TOKEN]
  --host HOST          interface to listen on (default 0.0.0.0)                   [JOBWIRE_EXECUTOR_HOST]
  --port PORT          port (default 9999)                                        [JOBWIRE_EXECUTOR_PORT]
  --address URL        URL the admin calls, for NAT/containers                    [JOBWIRE_EXECUTOR_ADDRESS]
  --log-dir DIR        run logs (default ./data/executor-logs)                    [JOBWIRE_LOG_DIR]
  --http-allow-hosts H comma-separated hosts httpJobHandler may call: host,         [JOBWIRE_HTTP_ALLOW_HOSTS]
                       host:port or *.domain (default none: every host refused)
  --enable-command-handler
                       let commandJobHandler run command lines (default off)      [JOBWIRE_ENABLE_COMMAND_HANDLER]
  --metrics            serve Prometheus metrics on GET /metrics (default off)     [JOBWIRE_METRICS=on]
  --metrics-token T    require "authorization: Bearer T" on /metrics              [JOBWIRE_METRICS_TOKEN]
`;

const EXECUTOR_FLAGS = {
  admin: { type: "string" },
  "app-name": { type: "string" },
  "access-token": { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  address: { type: "string" },
  "log-dir": { type: "string" },
  "http-allow-hosts": { type: "string" },
  "enable-command-handler": { type: "boolean" },
  metrics: { type: "boolean" },
  "metrics-token": { type: "string" },
} as const;

/** Resolves the demo executor's options from flags and environment variables. */
export function executorOptionsFromArgs(argv: readonly string[]): ExecutorOptions {
  const flags = parseFlags(argv, EXECUTOR_FLAGS);
  const accessToken = setting(flags, "access-token", "JOBWIRE_ACCESS_TOKEN");
  if (accessToken === undefined) throw new UsageError("--access-token (or JOBWIRE_ACCESS_TOKEN) is required: the executor group's access token");
  const options: ExecutorOptions = {
    adminAddresses: (setting(flags, "admin", "JOBWIRE_ADMIN_ADDRESSES", "http://127.0.0.1:8080") ?? "").split(",").map((a) => a.trim()).filter((a) => a !== ""),
    appName: setting(flags, "app-name", "JOBWIRE_APP_NAME", "jobwire-demo") ?? "jobwire-demo",
    accessToken,
  };
  const host = setting(flags, "host", "JOBWIRE_EXECUTOR_HOST");
  if (host !== undefined) options.host = host;
  const port = intSetting("--port", setting(flags, "port", "JOBWIRE_EXECUTOR_PORT"));
  if (port !== undefined) options.port = port;
  const address = setting(flags, "address", "JOBWIRE_EXECUTOR_ADDRESS");
  if (address !== undefined) options.address = address;
  const logDir = setting(flags, "log-dir", "JOBWIRE_LOG_DIR");
  if (logDir !== undefined) options.logDir = logDir;
  const metricsToken = setting(flags, "metrics-token", "JOBWIRE_METRICS_TOKEN");
  if (flags["metrics"] === true || process.env["JOBWIRE_METRICS"] === "on") {
    options.metrics = { enabled: true, ...(metricsToken === undefined ? {} : { token: metricsToken }) };
  }
  return options;
}

/** Resolves what the riskier demo handlers may do from flags and environment variables; both default to off. */
export function demoHandlerSettingsFromArgs(argv: readonly string[]): DemoHandlerSettings {
  const flags = parseFlags(argv, EXECUTOR_FLAGS);
  let httpAllowHosts: readonly string[];
  try {
    httpAllowHosts = HostAllowList.parse(setting(flags, "http-allow-hosts", "JOBWIRE_HTTP_ALLOW_HOSTS") ?? "").patterns;
  } catch (error) {
    throw new UsageError(`--http-allow-hosts: ${error instanceof Error ? error.message : String(error)}`);
  }
  let commandHandlerEnabled = flags["enable-command-handler"] === true;
  const fromEnv = process.env["JOBWIRE_ENABLE_COMMAND_HANDLER"];
  if (!commandHandlerEnabled && fromEnv !== undefined && fromEnv !== "") {
    if (!/^(true|1|yes|false|0|no)$/i.test(fromEnv)) throw new UsageError(`JOBWIRE_ENABLE_COMMAND_HANDLER must be true or false, got "${fromEnv}"`);
    commandHandlerEnabled = /^(true|1|yes)$/i.test(fromEnv);
  }
  return { httpAllowHosts, commandHandlerEnabled };
}

export async function startDemoExecutor(options: ExecutorOptions, demo: DemoHandlerSettings = DEFAULT_DEMO_HANDLER_SETTINGS): Promise<Executor> {
  const executor = createExecutor(options);
  registerDemoHandlers(executor, demo);
  await executor.start();
  process.stderr.write(`jobwire demo executor "${options.appName}" serving on ${executor.address}\n`);
  return executor;
}

export function runExecutorCommand(argv: readonly string[]): Promise<Executor> {
  return startDemoExecutor(executorOptionsFromArgs(argv), demoHandlerSettingsFromArgs(argv));
}
