import { sql } from "kysely";
import { expect, it } from "vitest";
import { insertRowsIgnoringDuplicates, insertRowsReturningIds } from "../../../src/admin/persistence/bulk-insert.js";
import { finishRuns, getRuns, inTransaction, insertRun, insertRuns, listAuditEntries, listPlannedFires } from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { newRun, seedJob } from "./fixtures.js";

/** Strings that would break or change a statement if they were spliced into its SQL text instead of bound. */
const AWKWARD_STRINGS = [
  `O'Brien said "hi"`,
  "''; drop table jw_run; --",
  "back\\slash \\' \\\" \\n \\\\",
  "?",
  "? ?? ?",
  "$1",
  "$2 and $1 and $$ quoted $$",
  ":name @var ${x} %s %",
  "`backtick` [bracket]",
  "héllo wörld — 日本語 🚀 \u00a0",
  "line\nbreak\ttab\r\n",
  "",
  " ",
  // PostgreSQL receives bulk rows as array literals: element separators, braces and the word NULL must stay text.
  "a,b",
  "{braces}",
  "{a,\"b\"}",
  "NULL",
  "null",
];

/** A jw_run row as the run repository writes it, `i` varying the values. */
function runRow(jobId: number, i: number): Record<string, unknown> {
  return {
    job_id: jobId,
    group_id: 1,
    fire_id: i,
    trigger_type: "MANUAL",
    scheduled_time: 10 + i,
    trigger_time: 10 + i,
    executor_address: "",
    handler: "h",
    param: "",
    shard_index: 0,
    shard_total: 1,
    attempt: 0,
    retries_left: 0,
    origin_run_id: 0,
    batch_id: 0,
    trigger_state: "PENDING",
    state: "PENDING",
    deadline_time: 0,
    handle_time: 0,
    retryable: 1,
    alarm_state: "SKIPPED",
    missed_beats: 0,
    update_time: 10,
  };
}

describeEachDatabase("multi-row inserts written as SQL text", (getDb, dialect) => {
  it("insertRuns inserts more runs than one statement holds and returns them in input order with the ids getRuns reads back", async () => {
    const { job } = await seedJob(getDb());
    const anchor = await insertRun(getDb(), newRun(job));
    // 450 runs: a chunk of 400 and one of 50; every field varies per run, so a row mapped to the wrong id shows.
    const inputs = Array.from({ length: 450 }, (_, i) =>
      newRun(job, {
        fireId: 1_000 + i,
        triggerType: i % 3 === 0 ? "SCHEDULE" : i % 3 === 1 ? "RETRY" : "MANUAL",
        scheduledTime: 1_700_000_000_000 + i * 1_000,
        triggerTime: 1_700_000_000_000 + i * 1_000 + (i % 7),
        executorAddress: `http://10.0.${i % 5}.${i % 250}:9999`,
        handler: `handler-${i % 11}`,
        param: `param #${i}`,
        shardIndex: i % 4,
        shardTotal: 4,
        attempt: i % 3,
        retriesLeft: 3 - (i % 3),
        originRunId: i % 2 === 0 ? 0 : anchor.id,
        ...(i % 5 === 0 ? { batchId: anchor.id } : {}),
      }),
    );

    const runs = await insertRuns(getDb(), inputs);

    expect(runs).toHaveLength(inputs.length);
    runs.forEach((run, i) => {
      const input = inputs[i];
      if (input === undefined) throw new Error(`no input ${i}`);
      expect(run).toMatchObject({ ...input, batchId: input.batchId ?? run.id, triggerState: "PENDING", state: "PENDING", triggerReport: null });
    });
    const ids = runs.map((run) => run.id);
    expect(new Set(ids).size).toBe(inputs.length);
    // Ids follow the VALUES order, across both statements, and are all new.
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] ?? Number.POSITIVE_INFINITY);
    expect(ids[0]).toBeGreaterThan(anchor.id);

    const stored = new Map((await getRuns(getDb(), ids)).map((run) => [run.id, run]));
    expect(stored.size).toBe(inputs.length);
    for (const run of runs) expect(stored.get(run.id)).toEqual(run);
  });

  it("insertRuns stores quotes, backslashes, unicode and placeholder-like text verbatim as bound values", async () => {
    const { job } = await seedJob(getDb());
    const inputs = AWKWARD_STRINGS.map((text, i) => newRun(job, { param: text, handler: `h ${text}`, executorAddress: text, fireId: i }));

    const runs = await insertRuns(getDb(), inputs);

    expect(runs.map((run) => run.param)).toEqual(AWKWARD_STRINGS);
    const stored = new Map((await getRuns(getDb(), runs.map((run) => run.id))).map((run) => [run.id, run]));
    for (const [i, run] of runs.entries()) {
      const text = AWKWARD_STRINGS[i];
      expect(stored.get(run.id)).toEqual(run);
      expect(stored.get(run.id)).toMatchObject({ param: text, handler: `h ${text}`, executorAddress: text, fireId: i });
    }
    // The run table is still there and holds exactly these runs of the job.
    const count = await getDb().selectFrom("jw_run").select((eb) => eb.fn.countAll().as("n")).where("job_id", "=", job.id).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(AWKWARD_STRINGS.length);
  });

  it("insertRuns of no runs inserts nothing and returns an empty list", async () => {
    const { job } = await seedJob(getDb());
    expect(await insertRuns(getDb(), [])).toEqual([]);
    const rows = await getDb().selectFrom("jw_run").select("id").where("job_id", "=", job.id).execute();
    expect(rows).toEqual([]);
  });

  it("insertRowsReturningIds returns each row's id in row order on any table, values bound as parameters", async () => {
    const idStep = dialect === "mysql" ? await autoIncrementIncrement() : 1;
    const resource = `bulk-insert/${dialect}/${Date.now()}`;
    const rows = AWKWARD_STRINGS.map((text, i) => ({
      time: 5_000 + i,
      actor_user_id: i,
      actor_name: text,
      action: `action ${i}`,
      resource: `${resource}/${i}`,
      before_json: JSON.stringify({ text }),
      after_json: text,
    }));

    const ids = await insertRowsReturningIds(getDb(), "jw_audit_log", rows, idStep);

    expect(ids).toHaveLength(rows.length);
    expect(new Set(ids).size).toBe(rows.length);
    const page = await listAuditEntries(getDb(), { resourcePrefix: resource }, { limit: 100 });
    const byId = new Map(page.items.map((entry) => [entry.id, entry]));
    expect(byId.size).toBe(rows.length);
    for (const [i, id] of ids.entries()) {
      const text = AWKWARD_STRINGS[i] as string;
      expect(byId.get(id)).toEqual({ id, time: 5_000 + i, actorUserId: i, actorName: text, action: `action ${i}`, resource: `${resource}/${i}`, before: JSON.stringify({ text }), after: text });
    }
  });

  it("insertRowsReturningIds of no rows runs no statement and returns no ids", async () => {
    const before = await getDb().selectFrom("jw_audit_log").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
    expect(await insertRowsReturningIds(getDb(), "jw_audit_log", [])).toEqual([]);
    const after = await getDb().selectFrom("jw_audit_log").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it("insertRowsIgnoringDuplicates skips rows whose unique key exists, counts only the new ones, and writes an all-NULL column", async () => {
    const { job } = await seedJob(getDb());
    const fire = (scheduledTime: number, owner: string): Record<string, unknown> => ({
      job_id: job.id,
      scheduled_time: scheduledTime,
      trigger_type: "SCHEDULE",
      state: "PLANNED",
      owner,
      lease_until: 0,
      create_time: 1,
      dispatch_time: 0,
      origin_run_id: 0,
    });
    expect(await insertRowsIgnoringDuplicates(getDb(), "jw_planned_fire", [fire(1_000, "first"), fire(2_000, "first")])).toBe(2);
    // 2 000 is planned already: only 3 000 is new, and the existing fire keeps its owner.
    expect(await insertRowsIgnoringDuplicates(getDb(), "jw_planned_fire", [fire(2_000, "second"), fire(3_000, "second")])).toBe(1);
    const fires = await listPlannedFires(getDb(), { jobId: job.id }, 10);
    expect(fires.map((f) => [f.scheduledTime, f.owner])).toEqual([
      [1_000, "first"],
      [2_000, "first"],
      [3_000, "second"],
    ]);
    // A nullable column that is NULL in every row, beside one that is NULL in some.
    const ids = await insertRowsReturningIds(
      getDb(),
      "jw_run",
      [0, 1].map((i) => ({ ...runRow(job.id, i), trigger_report: null, handle_message: i === 0 ? "x" : "" })),
      dialect === "mysql" ? await autoIncrementIncrement() : 1,
    );
    const stored = await getRuns(getDb(), ids);
    expect(stored.map((run) => run.triggerReport)).toEqual([null, null]);
  });

  it("a bulk update stores quotes, separators, braces and NULL-like text verbatim", async () => {
    const { job } = await seedJob(getDb());
    const runs = await insertRuns(getDb(), AWKWARD_STRINGS.map((_, i) => newRun(job, { fireId: i })));
    await inTransaction(getDb(), (trx) =>
      finishRuns(
        trx,
        runs.map((run, i) => ({ id: run.id, finish: { state: "FAILED", handleMessage: AWKWARD_STRINGS[i] as string, handleTime: 100 + i, retryable: i % 2 === 0, alarmState: "NONE" } })),
      ),
    );
    const stored = new Map((await getRuns(getDb(), runs.map((run) => run.id))).map((run) => [run.id, run]));
    runs.forEach((run, i) => expect(stored.get(run.id)).toMatchObject({ state: "FAILED", handleMessage: AWKWARD_STRINGS[i], handleTime: 100 + i, retryable: i % 2 === 0 }));
  });

  /** The step between consecutive auto-increment ids on MySQL/MariaDB, which the caller passes to the insert. */
  async function autoIncrementIncrement(): Promise<number> {
    const { rows } = await sql<{ step: unknown }>`select @@auto_increment_increment as step`.execute(getDb());
    return Number(rows[0]?.step ?? 1);
  }
});
