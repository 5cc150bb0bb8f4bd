import { alarmOptionsFromEnv, startAdmin, type Admin, type AdminOptions } from "../../admin/index.js";
import { intSetting, parseFlags, setting } from "../args.js";

export const ADMIN_HELP = `Usage: jobwire admin [options]

Runs an admin: the API (gRPC, gRPC-Web, Connect), gRPC health and reflection, and the console, on one port.

Options (environment variable in brackets):
  --database-url URL   sqlite:./data/jobwire.db | mysql://… | postgres://…   [JOBWIRE_DATABASE_URL]
  --host HOST          interface to listen on (default 0.0.0.0)               [JOBWIRE_HOST]
  --port PORT          port (default 8080)                                    [JOBWIRE_PORT]
  --node-id ID         name of this admin in a cluster                        [JOBWIRE_NODE_ID]
  --time-zone ZONE     zone of jobs without one and of report days (default TZ) [JOBWIRE_TIME_ZONE]
  --no-scheduler       serve the API only; plan and dispatch no fires          [JOBWIRE_SCHEDULER=off]
  --retention-days N   delete finished runs older than N days (default 30, 0 keeps) [JOBWIRE_RETENTION_DAYS]
  --no-metrics         do not serve Prometheus metrics on GET /metrics             [JOBWIRE_METRICS=off]
  --metrics-token T    require "authorization: Bearer T" on /metrics (default public) [JOBWIRE_METRICS_TOKEN]
  Alarms: JOBWIRE_SMTP_HOST, JOBWIRE_SMTP_PORT, JOBWIRE_SMTP_SECURE, JOBWIRE_SMTP_USER, JOBWIRE_SMTP_PASSWORD,
  JOBWIRE_ALARM_EMAIL_FROM, JOBWIRE_WEBHOOK_SECRET (HMAC of webhook alarms), JOBWIRE_PUBLIC_URL (console link).
  The first start creates the user "admin"; its password is JOBWIRE_ADMIN_PASSWORD or a random one printed once.
`;

/** Resolves the admin's options from flags and environment variables. */
export function adminOptionsFromArgs(argv: readonly string[]): AdminOptions {
  const flags = parseFlags(argv, {
    "database-url": { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
    "node-id": { type: "string" },
    "time-zone": { type: "string" },
    "no-scheduler": { type: "boolean" },
    "retention-days": { type: "string" },
    "no-metrics": { type: "boolean" },
    "metrics-token": { type: "string" },
  });
  const options: AdminOptions = {};
  const databaseUrl = setting(flags, "database-url", "JOBWIRE_DATABASE_URL");
  if (databaseUrl !== undefined) options.databaseUrl = databaseUrl;
  const host = setting(flags, "host", "JOBWIRE_HOST");
  if (host !== undefined) options.host = host;
  const port = intSetting("--port", setting(flags, "port", "JOBWIRE_PORT"));
  if (port !== undefined) options.port = port;
  const nodeId = setting(flags, "node-id", "JOBWIRE_NODE_ID");
  if (nodeId !== undefined) options.nodeId = nodeId;
  const timeZone = setting(flags, "time-zone", "JOBWIRE_TIME_ZONE");
  if (timeZone !== undefined) options.timeZone = timeZone;
  if (flags["no-scheduler"] === true || process.env["JOBWIRE_SCHEDULER"] === "off") options.schedulerEnabled = false;
  const retentionDays = intSetting("--retention-days", setting(flags, "retention-days", "JOBWIRE_RETENTION_DAYS"));
  if (retentionDays !== undefined) options.runRetentionDays = retentionDays;
  const metricsEnabled = !(flags["no-metrics"] === true || process.env["JOBWIRE_METRICS"] === "off");
  const metricsToken = setting(flags, "metrics-token", "JOBWIRE_METRICS_TOKEN");
  options.metrics = { enabled: metricsEnabled, ...(metricsToken === undefined ? {} : { token: metricsToken }) };
  options.alarms = alarmOptionsFromEnv(process.env);
  const password = process.env["JOBWIRE_ADMIN_PASSWORD"];
  if (password !== undefined && password !== "") options.initialAdminPassword = password;
  return options;
}

export async function runAdminCommand(argv: readonly string[]): Promise<Admin> {
  const admin = await startAdmin(adminOptionsFromArgs(argv));
  process.stderr.write(`jobwire admin listening on ${admin.url}\n`);
  return admin;
}
