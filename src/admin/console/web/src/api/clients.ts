import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AuditService } from "../../../../../gen/jobwire/v1/audit_service_pb.js";
import { AuthService } from "../../../../../gen/jobwire/v1/auth_service_pb.js";
import { DashboardService } from "../../../../../gen/jobwire/v1/dashboard_service_pb.js";
import { ExecutorGroupService } from "../../../../../gen/jobwire/v1/executor_group_service_pb.js";
import { JobService } from "../../../../../gen/jobwire/v1/job_service_pb.js";
import { RunService } from "../../../../../gen/jobwire/v1/run_service_pb.js";
import { UserService } from "../../../../../gen/jobwire/v1/user_service_pb.js";

const TOKEN_KEY = "jobwire.session";

/**
 * Where the session token lives. "Remember me" keeps it in localStorage (it survives the browser), otherwise in
 * sessionStorage (it ends with the tab), mirroring the 30-day and 12-hour sessions the admin hands out.
 */
export const sessionToken = {
  get(): string | undefined {
    return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY) ?? undefined;
  },
  set(token: string, remember: boolean): void {
    this.clear();
    (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
  },
};

/** Called when a call fails with UNAUTHENTICATED, so the app can return to the login page. */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

const bearer: Interceptor = (next) => async (req) => {
  const token = sessionToken.get();
  if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
  try {
    return await next(req);
  } catch (error) {
    // The session expired or was ended elsewhere (e.g. a password change): back to the login page.
    if (error instanceof ConnectError && error.code === Code.Unauthenticated && req.method.name !== "Login") {
      onUnauthenticated();
    }
    throw error;
  }
};

// The admin serves the console and the API on one origin, so the base URL is the page's own.
const transport = createConnectTransport({ baseUrl: window.location.origin, interceptors: [bearer] });

/** One typed client per console service, all over the Connect protocol on the admin's port. */
export const api: {
  readonly auth: Client<typeof AuthService>;
  readonly dashboard: Client<typeof DashboardService>;
  readonly groups: Client<typeof ExecutorGroupService>;
  readonly jobs: Client<typeof JobService>;
  readonly runs: Client<typeof RunService>;
  readonly users: Client<typeof UserService>;
  readonly audit: Client<typeof AuditService>;
} = {
  auth: createClient(AuthService, transport),
  dashboard: createClient(DashboardService, transport),
  groups: createClient(ExecutorGroupService, transport),
  jobs: createClient(JobService, transport),
  runs: createClient(RunService, transport),
  users: createClient(UserService, transport),
  audit: createClient(AuditService, transport),
};
