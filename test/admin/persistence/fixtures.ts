/** Builders of valid domain inputs for the persistence tests; each test overrides only what it is about. */
import type { Kysely } from "kysely";
import type { ExecutorGroup, Job, Run, TriggerReport } from "../../../src/admin/domain/index.js";
import {
  insertGroup,
  insertJob,
  insertRun,
  type Database,
  type NewExecutorGroup,
  type NewJob,
  type NewRun,
} from "../../../src/admin/persistence/index.js";

let counter = 0;

/** A name no other call in this process returns, for unique columns. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

export function newGroup(overrides: Partial<NewExecutorGroup> = {}): NewExecutorGroup {
  return {
    appName: uniqueName("app"),
    title: "Orders service",
    addressType: "AUTO",
    manualAddresses: [],
    accessToken: "token-0123456789abcdef",
    ...overrides,
  };
}

export function newJob(groupId: number, overrides: Partial<NewJob> = {}): NewJob {
  return {
    groupId,
    name: "Nightly export",
    description: "Exports yesterday's orders",
    author: "alice",
    alarm: { emails: ["ops@example.com"], webhookUrls: ["https://hooks.example.com/x"] },
    scheduleType: "CRON",
    scheduleConf: "0 0 2 * * ?",
    timeZone: "Europe/Berlin",
    misfireStrategy: "FIRE_ONCE_NOW",
    routeStrategy: "ROUND",
    handler: "exportHandler",
    param: "--full",
    blockStrategy: "SERIAL",
    concurrency: 1,
    timeoutSeconds: 600,
    retry: { count: 3, backoff: "EXPONENTIAL", intervalMs: 1_000, maxIntervalMs: 60_000 },
    glueType: "BEAN",
    childJobIds: [],
    glueSource: "",
    glueRemark: "",
    ...overrides,
  };
}

export function newRun(job: Pick<Job, "id" | "groupId">, overrides: Partial<NewRun> = {}): NewRun {
  return {
    jobId: job.id,
    groupId: job.groupId,
    fireId: 0,
    triggerType: "MANUAL",
    scheduledTime: 1_700_000_000_000,
    triggerTime: 1_700_000_000_005,
    executorAddress: "",
    handler: "exportHandler",
    param: "--full",
    shardIndex: 0,
    shardTotal: 1,
    attempt: 0,
    retriesLeft: 3,
    originRunId: 0,
    ...overrides,
  };
}

export function triggerReport(overrides: Partial<TriggerReport> = {}): TriggerReport {
  return {
    triggerType: "MANUAL",
    adminNode: "admin-1",
    routeStrategy: "ROUND",
    addressType: "AUTO",
    addresses: ["http://10.0.0.5:9999", "http://10.0.0.6:9999"],
    chosenAddress: "http://10.0.0.5:9999",
    blockStrategy: "SERIAL",
    timeoutSeconds: 600,
    retriesLeft: 3,
    probes: [{ address: "http://10.0.0.5:9999", ok: true, message: "idle" }],
    replyCode: "OK",
    replyMessage: "accepted",
    durationMs: 12,
    ...overrides,
  };
}

/** Inserts a group and a job in it. */
export async function seedJob(db: Kysely<Database>, overrides: Partial<NewJob> = {}): Promise<{ group: ExecutorGroup; job: Job }> {
  const group = await insertGroup(db, newGroup(), 1_000);
  const job = await insertJob(db, newJob(group.id, overrides), 2_000);
  return { group, job };
}

/** Inserts a group, a job and one run of it. */
export async function seedRun(db: Kysely<Database>, overrides: Partial<NewRun> = {}): Promise<{ job: Job; run: Run }> {
  const { job } = await seedJob(db);
  const run = await insertRun(db, newRun(job, overrides));
  return { job, run };
}

/**
 * Walks every page of a keyset-paged list and returns the ids in the order seen, failing if paging does not end.
 */
export async function collectIds<T extends { readonly id: number }>(
  fetchPage: (cursor: number | undefined) => Promise<{ items: T[]; nextCursor?: number }>,
): Promise<number[]> {
  const ids: number[] = [];
  let cursor: number | undefined;
  for (let pages = 0; pages < 1_000; pages++) {
    const page = await fetchPage(cursor);
    ids.push(...page.items.map((item) => item.id));
    if (page.nextCursor === undefined) return ids;
    cursor = page.nextCursor;
  }
  throw new Error("paging did not end after 1 000 pages");
}

/** `{ limit }` or `{ limit, cursor }`, as exactOptionalPropertyTypes wants it. */
export function pageOf(limit: number, cursor: number | undefined): { limit: number; cursor?: number } {
  return cursor === undefined ? { limit } : { limit, cursor };
}
