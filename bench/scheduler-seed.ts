/**
 * Fast seeding for the scheduler benchmarks: a MANUAL executor group pointing at the fake executor, and many
 * jobs made by inserting a few templates through the repository (`insertJob`) and then doubling the table with
 * `INSERT … SELECT` until it holds the wanted number (portable across the three dialects, and seconds instead of
 * minutes for a million rows). Jobs are inserted STOPPED; `activate…` starts them with the planned first instant.
 */
import { sql, type Kysely } from "kysely";
import type { ExecutorGroup } from "../src/admin/domain/index.js";
import { dialectOf, insertGroup, insertJob, type Database, type NewJob } from "../src/admin/persistence/index.js";

export const BENCH_APP = "bench-executor";
export const BENCH_TOKEN = "bench-token-0123456789abcdef";

export async function seedGroup(db: Kysely<Database>, executorUrl: string): Promise<ExecutorGroup> {
  return insertGroup(db, { appName: BENCH_APP, title: "Benchmark executor", addressType: "MANUAL", manualAddresses: [executorUrl], accessToken: BENCH_TOKEN }, Date.now());
}

/** A job as the benchmarks define it: no-op BEAN handler, FIRST route, no retry, no timeout, no alarm. */
export function benchJob(groupId: number, overrides: Partial<NewJob>): NewJob {
  return {
    groupId,
    name: "bench job",
    description: "",
    author: "bench",
    alarm: { emails: [], webhookUrls: [] },
    scheduleType: "FIX_RATE",
    scheduleConf: "1",
    timeZone: "UTC",
    misfireStrategy: "DO_NOTHING",
    routeStrategy: "FIRST",
    handler: "noop",
    param: "",
    blockStrategy: "SERIAL",
    concurrency: 1,
    timeoutSeconds: 0,
    retry: { count: 0, backoff: "FIXED", intervalMs: 1_000, maxIntervalMs: 1_000 },
    glueType: "BEAN",
    childJobIds: [],
    glueSource: "",
    glueRemark: "",
    ...overrides,
  };
}

/**
 * Inserts `templates` and then copies the table onto itself until it has `total` jobs. Copies keep the
 * templates' proportions (each doubling copies the whole table; only the last copy is a prefix).
 */
export async function seedJobs(db: Kysely<Database>, templates: readonly NewJob[], total: number): Promise<number> {
  const now = Date.now();
  for (const template of templates) await insertJob(db, template, now);
  const sample = await db.selectFrom("jw_job").selectAll().limit(1).executeTakeFirstOrThrow();
  const columns = Object.keys(sample).filter((column) => column !== "id");
  const list = sql.join(columns.map((column) => sql.ref(column)));
  // Each copy gets a new uid (unique per job): the same random SQL the uid migration fills existing rows with.
  const dialect = dialectOf(db);
  const randomUid =
    dialect === "mysql" ? sql`uuid()` : dialect === "postgres" ? sql`md5(random()::text || clock_timestamp()::text || id::text)` : sql`lower(hex(randomblob(16)))`;
  const values = sql.join(columns.map((column) => (column === "uid" ? randomUid : sql.ref(column))));
  let count = templates.length;
  while (count < total) {
    const copy = Math.min(count, total - count);
    await sql`insert into ${sql.table("jw_job")} (${list}) select ${values} from ${sql.table("jw_job")} order by ${sql.ref("id")} limit ${sql.lit(copy)}`.execute(db);
    count += copy;
  }
  return count;
}

/** Starts every job with `nextFireTime` as its first planned instant. */
export async function activateAll(db: Kysely<Database>, nextFireTime: number): Promise<void> {
  await db.updateTable("jw_job").set({ state: "RUNNING", next_fire_time: nextFireTime, last_fire_time: 0, update_time: Date.now() }).execute();
}

/** Starts the jobs of one schedule configuration (e.g. one cron second) with `nextFireTime` as their first instant. */
export async function activateConf(db: Kysely<Database>, scheduleConf: string, nextFireTime: number): Promise<void> {
  await db
    .updateTable("jw_job")
    .set({ state: "RUNNING", next_fire_time: nextFireTime, last_fire_time: 0, update_time: Date.now() })
    .where("schedule_conf", "=", scheduleConf)
    .execute();
}

/** Stops every job (fires already planned for them are skipped at dispatch). */
export async function stopAll(db: Kysely<Database>): Promise<void> {
  await db.updateTable("jw_job").set({ state: "STOPPED", update_time: Date.now() }).where("state", "=", "RUNNING").execute();
}
