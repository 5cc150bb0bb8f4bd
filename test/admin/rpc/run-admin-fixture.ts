/**
 * A real admin on a fresh database of one dialect, for the run, dashboard and executor-group RPC tests: console
 * clients over real HTTP/2 sockets for the administrator and for normal users created on demand.
 */
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { Kysely } from "kysely";
import { startAdmin, type Admin, type AdminOptions } from "../../../src/admin/index.js";
import { hashPassword } from "../../../src/admin/auth/password.js";
import { insertUser, listAuditEntries, type Database, type DialectName, type NewRun } from "../../../src/admin/persistence/index.js";
import type { AuditEntry, TriggerReport } from "../../../src/admin/domain/index.js";
import { DashboardService } from "../../../src/gen/jobwire/v1/dashboard_service_pb.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { consoleClients, loginAs, type ConsoleClients } from "../../helpers/console-client.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/databases.js";

export const ADMIN_PASSWORD = "runs-fixture-password";

export type FixtureClients = ConsoleClients & { readonly dashboard: Client<typeof DashboardService> };

export interface AdminFixture {
  readonly database: TestDatabase;
  readonly db: Kysely<Database>;
  readonly admin: Admin;
  readonly clients: FixtureClients;
  /** Creates a normal user allowed to see `groupIds` and returns clients logged in as that user. */
  normalUser(groupIds: readonly number[]): Promise<FixtureClients>;
  /** Audit entries with this action, oldest first. */
  auditEntries(action: string): Promise<AuditEntry[]>;
  stop(): Promise<void>;
}

function withDashboard(baseUrl: string, token: string): FixtureClients {
  const transport = createGrpcTransport({
    baseUrl,
    interceptors: [
      (next) => (req) => {
        req.header.set("authorization", `Bearer ${token}`);
        return next(req);
      },
    ],
  });
  return { ...consoleClients(baseUrl, token), dashboard: createClient(DashboardService, transport) };
}

let userCounter = 0;

export async function startAdminFixture(dialect: DialectName, options: AdminOptions = {}): Promise<AdminFixture> {
  const database = await createTestDatabase(dialect);
  let admin: Admin;
  try {
    admin = await startAdmin({ databaseUrl: database.url, host: "127.0.0.1", port: 0, initialAdminPassword: ADMIN_PASSWORD, logger: silentLogger, timeZone: "UTC", ...options });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const { token } = await loginAs(admin.url, "admin", ADMIN_PASSWORD);
  const db = database.database.db;
  return {
    database,
    db,
    admin,
    clients: withDashboard(admin.url, token),
    async normalUser(groupIds) {
      const username = `user${++userCounter}${Date.now() % 100_000}`;
      const password = "normal-user-password";
      await insertUser(db, { username, role: "NORMAL", permittedGroupIds: [...groupIds], passwordHash: await hashPassword(password) }, Date.now());
      const session = await loginAs(admin.url, username, password);
      return withDashboard(admin.url, session.token);
    },
    async auditEntries(action) {
      const page = await listAuditEntries(db, {}, { limit: 1_000 });
      return page.items.filter((e) => e.action === action).sort((a, b) => a.id - b.id);
    },
    async stop() {
      await admin.stop(100);
      await database.drop();
    },
  };
}

/** A plausible trigger report for runs seeded straight into the database. */
export function seededReport(address: string): TriggerReport {
  return {
    triggerType: "MANUAL",
    adminNode: "test-node",
    routeStrategy: "FIRST",
    addressType: "MANUAL",
    addresses: address === "" ? [] : [address],
    chosenAddress: address,
    blockStrategy: "SERIAL",
    timeoutSeconds: 0,
    retriesLeft: 0,
    probes: address === "" ? [] : [{ address, ok: true, message: "idle" }],
    replyCode: "ok",
    replyMessage: "",
    durationMs: 3,
  };
}

/** A MANUAL run of `jobId` in `groupId`, scheduled and triggered at `at`, to seed straight into the database. */
export function seededRunDraft(groupId: number, jobId: number, at: number, executorAddress = ""): NewRun {
  return {
    jobId,
    groupId,
    fireId: 0,
    triggerType: "MANUAL",
    scheduledTime: at,
    triggerTime: at,
    executorAddress,
    handler: "seeded",
    param: "",
    shardIndex: 0,
    shardTotal: 1,
    attempt: 0,
    retriesLeft: 0,
    originRunId: 0,
  };
}
