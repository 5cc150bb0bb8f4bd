import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { readFileSync } from "node:fs";
import { AuthService } from "../../gen/jobwire/v1/auth_service_pb.js";
import { ExecutorGroupService } from "../../gen/jobwire/v1/executor_group_service_pb.js";
import { JobService } from "../../gen/jobwire/v1/job_service_pb.js";
import { RunService } from "../../gen/jobwire/v1/run_service_pb.js";
import { UserService } from "../../gen/jobwire/v1/user_service_pb.js";
import { setting, UsageError } from "../args.js";
import { readStoredSession } from "./session-store.js";

/** Flags every API command accepts (besides its own). */
export const CONNECTION_FLAGS = {
  "admin-url": { type: "string" },
  "api-key": { type: "string" },
  json: { type: "boolean" },
} as const;

export const CONNECTION_HELP = `Connection (environment variable in brackets):
  --admin-url URL      the admin, http:// (h2c) or https:// (TLS)  [JOBWIRE_ADMIN_URL, default http://127.0.0.1:8080]
  --api-key KEY        an API key                                  [JOBWIRE_API_KEY]
                       or a session token from "jobwire login"     [JOBWIRE_SESSION]
                       else the session stored by "jobwire login --save"
  TLS: JOBWIRE_TLS_CA names a CA bundle file to trust for https:// admins.
  --json               print the responses as protobuf JSON instead of tables`;

/** Typed clients of the console services of one admin. */
export interface ApiClients {
  readonly url: string;
  readonly auth: Client<typeof AuthService>;
  readonly jobs: Client<typeof JobService>;
  readonly runs: Client<typeof RunService>;
  readonly groups: Client<typeof ExecutorGroupService>;
  readonly users: Client<typeof UserService>;
}

type Flags = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** The admin URL from the flag, the environment, the stored session, else the local default. */
export function adminUrlOf(flags: Flags): string {
  const url = setting(flags, "admin-url", "JOBWIRE_ADMIN_URL") ?? readStoredSession()?.adminUrl ?? "http://127.0.0.1:8080";
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--admin-url must be an http:// or https:// URL, got "${url}"`);
  return url.replace(/\/+$/, "");
}

/**
 * Clients authenticated with, in order: `--api-key`, `JOBWIRE_API_KEY`, `JOBWIRE_SESSION`, the stored session of
 * the same admin. Without any credential, `requireCredential` makes it a usage error (exit 2) instead of a call
 * bound to fail.
 */
export function connect(flags: Flags, requireCredential = true): ApiClients {
  const url = adminUrlOf(flags);
  const stored = readStoredSession();
  const token =
    setting(flags, "api-key", "JOBWIRE_API_KEY") ??
    setting({}, "", "JOBWIRE_SESSION") ??
    (stored !== undefined && stored.adminUrl === url ? stored.token : undefined);
  if (token === undefined && requireCredential) {
    throw new UsageError("no credential: pass --api-key, set JOBWIRE_API_KEY or JOBWIRE_SESSION, or run \"jobwire login --save\"");
  }
  const bearer: Interceptor = (next) => (req) => {
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  const ca = process.env["JOBWIRE_TLS_CA"];
  const transport = createGrpcTransport({
    baseUrl: url,
    interceptors: [bearer],
    ...(ca !== undefined && ca !== "" && url.startsWith("https:") ? { nodeOptions: { ca: readFileSync(ca) } } : {}),
  });
  return {
    url,
    auth: createClient(AuthService, transport),
    jobs: createClient(JobService, transport),
    runs: createClient(RunService, transport),
    groups: createClient(ExecutorGroupService, transport),
    users: createClient(UserService, transport),
  };
}

/**
 * Turns a failed call into the error `main` prints: the gRPC code in snake case and the server's own message,
 * which names the bad field for INVALID_ARGUMENT (e.g. `invalid_argument: job.author: is required`).
 */
export function describeCallError(error: unknown): Error {
  if (!(error instanceof ConnectError)) return error instanceof Error ? error : new Error(String(error));
  const code = (Code[error.code] as string | undefined ?? "unknown").replace(/[A-Z]/g, (c, i: number) => (i === 0 ? "" : "_") + c.toLowerCase());
  return new Error(`${code}: ${error.rawMessage}`);
}
