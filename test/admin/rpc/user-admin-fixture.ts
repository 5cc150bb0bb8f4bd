/**
 * A real admin on a fresh database of one dialect, on a fake clock (so that session and API key expiry are
 * tested without waiting), with console clients for every console service. Shared by the user, auth, audit and
 * permission-boundary tests.
 */
import { ConnectError, createClient, type Client, type Code, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { ClientSessionOptions } from "node:http2";
import type { TcpNetConnectOpts } from "node:net";
import { startAdmin, type Admin } from "../../../src/admin/index.js";
import type { DialectName } from "../../../src/admin/persistence/index.js";
import { AuditService } from "../../../src/gen/jobwire/v1/audit_service_pb.js";
import { AuthService } from "../../../src/gen/jobwire/v1/auth_service_pb.js";
import { DashboardService } from "../../../src/gen/jobwire/v1/dashboard_service_pb.js";
import { ExecutorGroupService } from "../../../src/gen/jobwire/v1/executor_group_service_pb.js";
import { JobService } from "../../../src/gen/jobwire/v1/job_service_pb.js";
import { RunService } from "../../../src/gen/jobwire/v1/run_service_pb.js";
import { UserRole } from "../../../src/gen/jobwire/v1/user_pb.js";
import { UserService } from "../../../src/gen/jobwire/v1/user_service_pb.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/databases.js";

/** http2.connect() passes its options on to net.connect(), which takes the local address. */
type Http2ConnectOptions = ClientSessionOptions & Pick<TcpNetConnectOpts, "localAddress">;

export const ADMIN_PASSWORD = "correct-horse-battery";
/** 2026-01-01T00:00:00Z: the fake clock starts here. */
export const T0 = Date.UTC(2026, 0, 1);

/** The password `createUserAndLogin()` gives a user (it must not contain the username). */
export function passwordOf(username: string): string {
  return `Secret-pass-${username.length}`;
}

export interface Clients {
  readonly auth: Client<typeof AuthService>;
  readonly users: Client<typeof UserService>;
  readonly audit: Client<typeof AuditService>;
  readonly groups: Client<typeof ExecutorGroupService>;
  readonly jobs: Client<typeof JobService>;
  readonly runs: Client<typeof RunService>;
  readonly dashboard: Client<typeof DashboardService>;
}

/**
 * Clients of one admin. `localAddress` picks the client's source address (any of 127.0.0.0/8 on Linux), so a
 * test can log in from several "client addresses" to exercise the per-address login limit.
 */
export function clientsFor(baseUrl: string, token: string | undefined, localAddress?: string): Clients {
  const auth: Interceptor = (next) => (req) => {
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  const transport = createGrpcTransport({
    baseUrl,
    interceptors: [auth],
    ...(localAddress === undefined ? {} : { nodeOptions: { localAddress } as Http2ConnectOptions }),
  });
  return {
    auth: createClient(AuthService, transport),
    users: createClient(UserService, transport),
    audit: createClient(AuditService, transport),
    groups: createClient(ExecutorGroupService, transport),
    jobs: createClient(JobService, transport),
    runs: createClient(RunService, transport),
    dashboard: createClient(DashboardService, transport),
  };
}

export interface TestAdmin {
  readonly admin: Admin;
  readonly database: TestDatabase;
  readonly clock: FakeClock;
  /** Clients logged in as the first `admin` user. */
  readonly root: Clients;
  login(username: string, password: string): Promise<Clients & { token: string }>;
  /** Creates a user (as root) and logs in as them. */
  createUserAndLogin(username: string, options?: { admin?: boolean; groups?: string[] }): Promise<Clients & { token: string; name: string }>;
  close(): Promise<void>;
}

export async function startTestAdmin(dialect: DialectName): Promise<TestAdmin> {
  const database = await createTestDatabase(dialect);
  const clock = new FakeClock(T0);
  const admin = await startAdmin({
    databaseUrl: database.url,
    host: "127.0.0.1",
    port: 0,
    initialAdminPassword: ADMIN_PASSWORD,
    logger: silentLogger,
    schedulerEnabled: false,
    clock,
    // Maintenance sweeps are not under test here; a long interval keeps clock jumps from running them.
    monitorIntervalMs: 365 * 24 * 3600_000,
  });
  const login = async (username: string, password: string): Promise<Clients & { token: string }> => {
    const { sessionToken } = await clientsFor(admin.url, undefined).auth.login({ username, password });
    return { ...clientsFor(admin.url, sessionToken), token: sessionToken };
  };
  const root = await login("admin", ADMIN_PASSWORD);
  return {
    admin,
    database,
    clock,
    root,
    login,
    async createUserAndLogin(username, options = {}) {
      const password = passwordOf(username);
      const { user } = await root.users.createUser({
        user: { username, role: options.admin === true ? UserRole.ADMIN : UserRole.NORMAL, permittedExecutorGroups: options.groups ?? [] },
        password,
      });
      return { ...(await login(username, password)), name: user?.name ?? "" };
    },
    async close() {
      await admin.stop(100);
      await database.drop();
    },
  };
}

/** The gRPC code of a rejected call; fails the test when the call succeeded. */
export async function codeOf(call: Promise<unknown>): Promise<Code> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error).code;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** The rejected call's error. */
export async function errorOf(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail, but it succeeded");
}
