/**
 * A real admin over real sockets for the JobService tests: one per dialect, an administrator's clients, and
 * direct access to its database to set up groups and users and to look at what was (or was not) stored.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Kysely } from "kysely";
import { describe, expect } from "vitest";
import { hashPassword } from "../../../src/admin/auth/password.js";
import type { AuditEntry, ExecutorGroup } from "../../../src/admin/domain/index.js";
import { startAdmin, type Admin } from "../../../src/admin/index.js";
import { insertGroup, insertUser, listAuditEntries, type Database, type DialectName } from "../../../src/admin/persistence/index.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { loginAs, type ConsoleClients } from "../../helpers/console-client.js";
import { createTestDatabase, testDialects, type TestDatabase } from "../../helpers/databases.js";

const ADMIN_PASSWORD = "job-tests-password";

export interface JobTestAdmin {
  readonly dialect: DialectName;
  readonly database: TestDatabase;
  readonly db: Kysely<Database>;
  readonly admin: Admin;
  /** Clients of the `admin` user. */
  readonly clients: ConsoleClients;
  /** Creates an executor group directly in the database (MANUAL when addresses are given). */
  group(appName: string, manualAddresses?: readonly string[]): Promise<ExecutorGroup>;
  /** Creates a NORMAL user permitted on `groupIds` and returns clients logged in as that user. */
  normalUser(username: string, groupIds: readonly number[]): Promise<ConsoleClients & { userId: number }>;
  /** Audit entries of exactly this resource, oldest first. */
  audit(resource: string): Promise<AuditEntry[]>;
  stop(): Promise<void>;
}

export async function startJobTestAdmin(dialect: DialectName): Promise<JobTestAdmin> {
  const database = await createTestDatabase(dialect);
  const admin = await startAdmin({
    databaseUrl: database.url,
    host: "127.0.0.1",
    port: 0,
    initialAdminPassword: ADMIN_PASSWORD,
    logger: silentLogger,
    schedulerEnabled: false,
  });
  const clients = await loginAs(admin.url, "admin", ADMIN_PASSWORD);
  const db = database.database.db;
  return {
    dialect,
    database,
    db,
    admin,
    clients,
    group: (appName, manualAddresses = []) =>
      insertGroup(
        db,
        { appName, title: `${appName} title`, addressType: manualAddresses.length > 0 ? "MANUAL" : "AUTO", manualAddresses, accessToken: `token-${appName}-0123456789` },
        Date.now(),
      ),
    async normalUser(username, groupIds) {
      const password = `${username}-password`;
      const user = await insertUser(db, { username, role: "NORMAL", permittedGroupIds: [...groupIds], passwordHash: await hashPassword(password) }, Date.now());
      return { ...(await loginAs(admin.url, username, password)), userId: user.id };
    },
    async audit(resource) {
      const page = await listAuditEntries(db, { resourcePrefix: resource }, { limit: 1000 });
      return page.items.filter((e) => e.resource === resource).reverse();
    },
    async stop() {
      await admin.stop(100);
      await database.drop();
    },
  };
}

/**
 * Declares `body` once per configured dialect (SQLite always; MariaDB and PostgreSQL when their URLs are set).
 * Unconfigured dialects are not registered at all rather than skipped.
 */
export function describeEachDialect(name: string, body: (dialect: DialectName) => void): void {
  for (const dialect of testDialects()) describe(`${name} (${dialect})`, () => body(dialect));
}

/** Expects a call to fail with `code`; for INVALID_ARGUMENT also that the message starts with `field:`. */
export async function expectError(call: Promise<unknown>, code: Code, field?: string): Promise<ConnectError> {
  let caught: unknown;
  try {
    await call;
  } catch (error) {
    caught = error;
  }
  expect(caught, "the call should have failed").toBeDefined();
  const error = ConnectError.from(caught);
  expect(Code[error.code], error.rawMessage).toBe(Code[code]);
  if (field !== undefined) expect(error.rawMessage).toMatch(new RegExp(`^${field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
  return error;
}

/** Everything the job tests can change, for "nothing was stored" checks. */
export async function storeSnapshot(db: Kysely<Database>): Promise<unknown> {
  const [jobs, glue, runs, audit, groups] = await Promise.all([
    db.selectFrom("jw_job").selectAll().orderBy("id").execute(),
    db.selectFrom("jw_glue_version").selectAll().orderBy("id").execute(),
    db.selectFrom("jw_run").select("id").orderBy("id").execute(),
    db.selectFrom("jw_audit_log").select("id").orderBy("id").execute(),
    db.selectFrom("jw_executor_group").selectAll().orderBy("id").execute(),
  ]);
  return JSON.parse(JSON.stringify({ jobs, glue, runs, audit, groups }, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v)));
}
