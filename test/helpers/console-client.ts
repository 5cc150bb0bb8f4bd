import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "../../src/gen/jobwire/v1/auth_service_pb.js";
import { ExecutorGroupService } from "../../src/gen/jobwire/v1/executor_group_service_pb.js";
import { JobService } from "../../src/gen/jobwire/v1/job_service_pb.js";
import { RunService } from "../../src/gen/jobwire/v1/run_service_pb.js";

/** Console clients of one admin, authenticated with a bearer token (session or API key). */
export interface ConsoleClients {
  readonly auth: Client<typeof AuthService>;
  readonly groups: Client<typeof ExecutorGroupService>;
  readonly jobs: Client<typeof JobService>;
  readonly runs: Client<typeof RunService>;
}

export function consoleClients(baseUrl: string, token: string | undefined): ConsoleClients {
  const auth: Interceptor = (next) => (req) => {
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  const transport: Transport = createGrpcTransport({ baseUrl, interceptors: [auth] });
  return {
    auth: createClient(AuthService, transport),
    groups: createClient(ExecutorGroupService, transport),
    jobs: createClient(JobService, transport),
    runs: createClient(RunService, transport),
  };
}

/** Logs in and returns clients carrying the new session token. */
export async function loginAs(baseUrl: string, username: string, password: string): Promise<ConsoleClients & { token: string }> {
  const { sessionToken } = await consoleClients(baseUrl, undefined).auth.login({ username, password });
  return { ...consoleClients(baseUrl, sessionToken), token: sessionToken };
}
