import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunState as DomainRunState } from "../../../src/admin/domain/index.js";
import { completeRun, getRun, insertRun, markRunTriggered } from "../../../src/admin/persistence/index.js";
import { KILL_RUN_ACTION } from "../../../src/admin/rpc/services/run-kill.js";
import { ExecutorClients } from "../../../src/admin/trigger/executor-clients.js";
import { RunRequestSchema } from "../../../src/gen/jobwire/v1/executor_service_pb.js";
import { createExecutor, type Executor } from "../../../src/executor/index.js";
import { AddressType } from "../../../src/gen/jobwire/v1/executor_group_pb.js";
import { RunState, TriggerState } from "../../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { testDialects } from "../../helpers/databases.js";
import { waitFor } from "../../helpers/wait-for.js";
import { seededReport, seededRunDraft, startAdminFixture, type AdminFixture } from "./run-admin-fixture.js";

const HOUR = 3_600_000;
/** A fixed past instant: seeded runs are final or in MANUAL groups, so no sweep ever touches them. */
const T0 = Date.UTC(2026, 0, 10);

function codeOf(error: unknown): Code {
  return ConnectError.from(error).code;
}

function rejectsWith(code: Code, text?: string): (e: unknown) => boolean {
  return (e) => codeOf(e) === code && (text === undefined || ConnectError.from(e).rawMessage.includes(text));
}

const idOf = (name: string): number => Number(name.split("/")[1]);

for (const dialect of testDialects()) {
  describe(`RunService over real sockets on ${dialect}`, () => {
    let fx: AdminFixture;
    let executor: Executor;
    let logDir: string;
    let autoGroup = "";
    let autoGroupId = 0;
    let gate: () => void = () => {};
    const started = new Set<string>();
    let killedSignalSeen = false;
    let accessToken = "";

    /** Seeds one run of `groupId`/`jobId` in `state`, triggered at `triggerTime`. */
    async function seedRun(groupId: number, jobId: number, triggerTime: number, state: DomainRunState, executorAddress = ""): Promise<number> {
      const run = await insertRun(fx.db, seededRunDraft(groupId, jobId, triggerTime, executorAddress));
      if (state === "PENDING") return run.id;
      await markRunTriggered(fx.db, run.id, { triggerState: "ACCEPTED", executorAddress, triggerReport: seededReport(executorAddress), state: "RUNNING", deadlineTime: 0 }, triggerTime);
      if (state !== "RUNNING") await completeRun(fx.db, run.id, { state, handleMessage: `seeded ${state}`, handleTime: triggerTime + 1_000, retryable: true });
      return run.id;
    }

    async function manualGroup(appName: string): Promise<{ name: string; id: number }> {
      const { executorGroup } = await fx.clients.groups.createExecutorGroup({
        executorGroup: { appName, displayName: appName, addressType: AddressType.MANUAL, manualAddresses: ["http://127.0.0.1:1"] },
      });
      const name = executorGroup?.name ?? "";
      return { name, id: idOf(name) };
    }

    beforeAll(async () => {
      // The monitor would only interfere with seeded runs; these tests drive every state change themselves.
      fx = await startAdminFixture(dialect, { monitorIntervalMs: 3_600_000 });
      const created = await fx.clients.groups.createExecutorGroup({ executorGroup: { appName: "runs-live-app", displayName: "Runs live" } });
      autoGroup = created.executorGroup?.name ?? "";
      autoGroupId = idOf(autoGroup);
      accessToken = created.accessToken;
      logDir = await mkdtemp(path.join(tmpdir(), "jobwire-runs-"));
      executor = createExecutor({ adminAddresses: [fx.admin.url], appName: "runs-live-app", accessToken: created.accessToken, host: "127.0.0.1", port: 0, logDir, logger: silentLogger });
      executor.register("blockingHandler", async (ctx) => {
        started.add("blocking");
        ctx.log("waiting to be killed");
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        killedSignalSeen = true;
        return "aborted";
      });
      executor.register("heldHandler", () => {
        started.add("held");
        return "ran";
      });
      executor.register("tailHandler", async (ctx) => {
        for (let i = 1; i <= 3; i++) ctx.log("line %d", i);
        started.add("tail");
        await new Promise<void>((resolve) => {
          gate = resolve;
        });
        for (let i = 4; i <= 5; i++) ctx.log("line %d", i);
        return "tailed";
      });
      await executor.start();
      await waitFor("the executor to register", async () => {
        const { executors } = await fx.clients.groups.listExecutors({ parent: autoGroup });
        return executors.length > 0 ? true : undefined;
      });
    });

    afterAll(async () => {
      gate();
      await executor?.stop();
      await fx?.stop();
      if (logDir !== undefined) await rm(logDir, { recursive: true, force: true });
    });

    async function triggerRun(handler: string): Promise<string> {
      const { job } = await fx.clients.jobs.createJob({ job: { executorGroup: autoGroup, displayName: handler, author: "runs-test", handler } });
      const { runs } = await fx.clients.jobs.triggerJob({ name: job?.name ?? "" });
      return runs[0] ?? "";
    }

    describe("ListRuns and GetRun", () => {
      let g1: { name: string; id: number };
      let g2: { name: string; id: number };
      const g1Ids: number[] = [];

      beforeAll(async () => {
        g1 = await manualGroup("list-one");
        g2 = await manualGroup("list-two");
        const states: DomainRunState[] = ["SUCCEEDED", "FAILED", "SUCCEEDED", "RUNNING", "KILLED", "SUCCEEDED"];
        for (let i = 0; i < 6; i++) g1Ids.push(await seedRun(g1.id, 9001, T0 + i * HOUR, states[i] ?? "SUCCEEDED"));
        for (let i = 0; i < 3; i++) g1Ids.push(await seedRun(g1.id, 9002, T0 + i * HOUR, "FAILED"));
        for (let i = 0; i < 4; i++) await seedRun(g2.id, 9003, T0 + i * HOUR, "SUCCEEDED");
        g1Ids.sort((a, b) => b - a);
      });

      it("filters by group, job, state and a trigger-time range whose end is exclusive", async () => {
        const byGroup = await fx.clients.runs.listRuns({ executorGroup: g1.name });
        expect(byGroup.runs.map((r) => idOf(r.name))).toEqual(g1Ids);
        const succeeded = await fx.clients.runs.listRuns({ job: "jobs/9001", states: [RunState.SUCCEEDED] });
        expect(succeeded.runs).toHaveLength(3);
        expect(succeeded.runs.every((r) => r.state === RunState.SUCCEEDED && r.job === "jobs/9001")).toBe(true);
        const ranged = await fx.clients.runs.listRuns({ job: "jobs/9001", startTime: timestampFromMs(T0 + HOUR), endTime: timestampFromMs(T0 + 3 * HOUR) });
        expect(ranged.runs.map((r) => r.handleMessage)).toEqual(["seeded SUCCEEDED", "seeded FAILED"]);
        const twoStates = await fx.clients.runs.listRuns({ executorGroup: g1.name, states: [RunState.RUNNING, RunState.KILLED] });
        expect(twoStates.runs.map((r) => r.state).sort()).toEqual([RunState.RUNNING, RunState.KILLED].sort());
      });

      it("pages newest first without gaps or repeats and refuses a token replayed with other filters", async () => {
        const seen: number[] = [];
        let pageToken = "";
        let pages = 0;
        do {
          const page = await fx.clients.runs.listRuns({ executorGroup: g1.name, pageSize: 4, pageToken });
          seen.push(...page.runs.map((r) => idOf(r.name)));
          pageToken = page.nextPageToken;
          pages++;
        } while (pageToken !== "");
        expect(pages).toBe(3);
        expect(seen).toEqual(g1Ids);
        const first = await fx.clients.runs.listRuns({ executorGroup: g1.name, pageSize: 4 });
        await expect(fx.clients.runs.listRuns({ executorGroup: g2.name, pageSize: 4, pageToken: first.nextPageToken })).rejects.toSatisfy(rejectsWith(Code.InvalidArgument, "page_token"));
      });

      it("refuses an empty or reversed time range and a malformed filter, naming the field", async () => {
        await expect(fx.clients.runs.listRuns({ startTime: timestampFromMs(T0), endTime: timestampFromMs(T0) })).rejects.toSatisfy(rejectsWith(Code.InvalidArgument, "end_time"));
        await expect(fx.clients.runs.listRuns({ job: "jobs/x" })).rejects.toSatisfy(rejectsWith(Code.InvalidArgument, "job"));
        await expect(fx.clients.runs.listRuns({ executorGroup: "groups/1" })).rejects.toSatisfy(rejectsWith(Code.InvalidArgument, "executor_group"));
      });

      it("returns a run with its structured trigger report and handle result", async () => {
        const id = await seedRun(g1.id, 9004, T0, "FAILED", "http://10.0.0.7:9999");
        const { run } = await fx.clients.runs.getRun({ name: `runs/${id}` });
        expect(run?.state).toBe(RunState.FAILED);
        expect(run?.handleMessage).toBe("seeded FAILED");
        expect(run?.triggerState).toBe(TriggerState.ACCEPTED);
        expect(run?.triggerReport?.chosenAddress).toBe("http://10.0.0.7:9999");
        expect(run?.triggerReport?.probes.map((p) => [p.address, p.ok, p.message])).toEqual([["http://10.0.0.7:9999", true, "idle"]]);
        expect(run?.triggerReport?.replyCode).toBe("ok");
        await expect(fx.clients.runs.getRun({ name: "runs/987654321" })).rejects.toSatisfy(rejectsWith(Code.NotFound));
      });

      it("shows a normal user only runs of permitted groups and answers NOT_FOUND for the others", async () => {
        const user = await fx.normalUser([g2.id]);
        const all = await user.runs.listRuns({});
        expect(all.runs).toHaveLength(4);
        expect(all.runs.every((r) => r.executorGroup === g2.name)).toBe(true);
        const foreign = `runs/${g1Ids[0] ?? 0}`;
        await expect(user.runs.getRun({ name: foreign })).rejects.toSatisfy(rejectsWith(Code.NotFound));
        await expect(user.runs.listRuns({ executorGroup: g1.name })).rejects.toSatisfy(rejectsWith(Code.NotFound));
        await expect(user.runs.killRun({ name: foreign })).rejects.toSatisfy(rejectsWith(Code.NotFound));
        await expect(readAll(user.runs.tailRunLog({ name: foreign }))).rejects.toSatisfy(rejectsWith(Code.NotFound));
        await expect(user.runs.clearRuns({ executorGroup: g1.name, policy: { case: "all", value: true } })).rejects.toSatisfy(rejectsWith(Code.NotFound));
        expect((await fx.clients.runs.listRuns({ executorGroup: g1.name })).runs).toHaveLength(g1Ids.length + 1);
      });
    });

    describe("KillRun", () => {
      it("kills a running run on its real executor, which aborts the handler, marks it KILLED and audits the kill", async () => {
        const name = await triggerRun("blockingHandler");
        await waitFor("the handler to start", () => (started.has("blocking") ? true : undefined));
        // The executor's acceptance is recorded after the handler may already run: wait for the run to show it.
        await waitFor("the run to be RUNNING", async () => ((await fx.clients.runs.getRun({ name })).run?.state === RunState.RUNNING ? true : undefined));
        const { run } = await fx.clients.runs.killRun({ name });
        expect(run?.state).toBe(RunState.KILLED);
        // Either the admin's message or the executor's KILLED report (whichever landed first) names the user.
        expect(run?.handleMessage).toMatch(/^killed by .*admin/);
        await waitFor("the handler to see its abort signal", () => (killedSignalSeen ? true : undefined));
        // The executor's own KILLED report arrives later and changes nothing.
        expect((await fx.clients.runs.getRun({ name })).run?.state).toBe(RunState.KILLED);
        const entries = (await fx.auditEntries(KILL_RUN_ACTION)).filter((e) => e.resource === name);
        expect(entries).toHaveLength(1);
        expect(entries[0]?.actorName).toBe("admin");
        expect(JSON.parse(entries[0]?.after ?? "{}")).toMatchObject({ state: "KILLED", executorReply: "stopped" });
      });

      it("refuses to kill a run that already ended (FAILED_PRECONDITION) and changes nothing", async () => {
        const id = await seedRun(autoGroupId, 9100, T0, "SUCCEEDED");
        await expect(fx.clients.runs.killRun({ name: `runs/${id}` })).rejects.toSatisfy(rejectsWith(Code.FailedPrecondition, "SUCCEEDED"));
        expect((await getRun(fx.db, id))?.state).toBe("SUCCEEDED");
      });

      it("reaches an executor holding a run whose acceptance is not stored yet: every live executor of the group is told", async () => {
        // A run sent ahead of its instant is held by its executor while its admin may still keep the acceptance in
        // memory (acceptLingerMs): the store shows it PENDING with no executor address.
        const id = await seedRun(autoGroupId, 9102, Date.now(), "PENDING");
        const clients = new ExecutorClients();
        try {
          const held = create(RunRequestSchema, { jobId: 9102n, runId: BigInt(id), handler: "blockingHandler", startTime: timestampFromMs(Date.now() + 30_000) });
          const sent = await clients.call(executor.address, { appName: "runs-live-app", accessToken }, 3_000, (client, options) => client.runBatch({ runs: [held] }, options));
          expect(sent.results[0]?.code).toBe(0);
        } finally {
          clients.closeAll();
        }
        const { run } = await fx.clients.runs.killRun({ name: `runs/${id}` });
        expect(run?.state).toBe(RunState.KILLED);
        // Either the admin's message ("executor … stopped it") or the executor's own KILLED report, whichever landed
        // first, is kept; the audit entry records what the executor answered to the Kill call.
        const address = executor.address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        expect(run?.handleMessage).toMatch(new RegExp(`^killed by (admin; executor ${address} stopped it|the admin: requested by admin )`));
        const entries = (await fx.auditEntries(KILL_RUN_ACTION)).filter((e) => e.resource === `runs/${id}`);
        expect(JSON.parse(entries[0]?.after ?? "{}")).toMatchObject({ state: "KILLED", executorReply: "stopped" });
      });

      /** A job of the live group with a SCHEDULE run for an instant 30 s ahead, sent to the executor, which holds it. */
      async function jobWithHeldRun(label: string): Promise<{ jobName: string; runId: number }> {
        const { job } = await fx.clients.jobs.createJob({ job: { executorGroup: autoGroup, displayName: label, author: "runs-test", handler: "heldHandler" } });
        const jobName = job?.name ?? "";
        const instant = Date.now() + 30_000;
        const run = await insertRun(fx.db, { ...seededRunDraft(autoGroupId, idOf(jobName), Date.now()), triggerType: "SCHEDULE", scheduledTime: instant, handler: "heldHandler" });
        const request = create(RunRequestSchema, { jobId: BigInt(idOf(jobName)), runId: BigInt(run.id), handler: "heldHandler", startTime: timestampFromMs(instant) });
        const sent = await withExecutorClient((clients, credentials) => clients.call(executor.address, credentials, 3_000, (client, options) => client.runBatch({ runs: [request] }, options)));
        expect(sent.results[0]?.code).toBe(0);
        return { jobName, runId: run.id };
      }

      /** Runs `use` with a client of the live executor, as its group's admin would call it. */
      async function withExecutorClient<T>(use: (clients: ExecutorClients, credentials: { appName: string; accessToken: string }) => Promise<T>): Promise<T> {
        const clients = new ExecutorClients();
        try {
          return await use(clients, { appName: "runs-live-app", accessToken });
        } finally {
          clients.closeAll();
        }
      }

      /** Whether the executor still holds (or runs) the run: Kill answers with the runs it stopped. */
      function executorHolds(runId: number): Promise<boolean> {
        return withExecutorClient((clients, credentials) => clients.killRun(executor.address, credentials, 3_000, runId, "test probe"));
      }

      it("StopJob cancels the job's runs held by their executor for a later instant; a run already started goes on", async () => {
        const { jobName, runId } = await jobWithHeldRun("held then stopped");
        // A run of the same job whose instant has passed has started: stopping the job leaves it to finish.
        const going = await insertRun(fx.db, { ...seededRunDraft(autoGroupId, idOf(jobName), Date.now() - 1_000, "http://127.0.0.1:1"), triggerType: "SCHEDULE" });
        await markRunTriggered(fx.db, going.id, { triggerState: "ACCEPTED", executorAddress: "http://127.0.0.1:1", triggerReport: seededReport("http://127.0.0.1:1"), state: "RUNNING", deadlineTime: 0 }, Date.now());
        await fx.clients.jobs.stopJob({ name: jobName });
        const cancelled = await getRun(fx.db, runId);
        expect(cancelled?.state).toBe("KILLED");
        expect(cancelled?.retryable).toBe(false);
        // The admin's message, or the executor's own KILLED report when it landed first.
        const address = executor.address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        expect(cancelled?.handleMessage).toMatch(new RegExp(`^(cancelled because admin stopped its job; executor ${address} stopped it|killed by the admin: its job was stopped by admin before its instant)`));
        expect(await executorHolds(runId)).toBe(false);
        expect(started.has("held")).toBe(false);
        expect((await getRun(fx.db, going.id))?.state).toBe("RUNNING");
      });

      it("DeleteJob tells the executor holding the job's runs for a later instant to drop them", async () => {
        const { jobName, runId } = await jobWithHeldRun("held then deleted");
        await fx.clients.jobs.deleteJob({ name: jobName });
        expect(await getRun(fx.db, runId)).toBeUndefined();
        expect(await executorHolds(runId)).toBe(false);
        expect(started.has("held")).toBe(false);
      });

      it("marks a run on an unreachable executor KILLED and says the handler may still run there", async () => {
        const id = await seedRun(autoGroupId, 9101, Date.now(), "RUNNING", "http://127.0.0.1:1");
        const { run } = await fx.clients.runs.killRun({ name: `runs/${id}` });
        expect(run?.state).toBe(RunState.KILLED);
        expect(run?.handleMessage).toContain("could not be told");
      });
    });

    describe("TailRunLog", () => {
      it("follows a running run's log from its real executor until the run ends", async () => {
        const name = await triggerRun("tailHandler");
        await waitFor("the handler to log its first lines", () => (started.has("tail") ? true : undefined));
        await waitFor("the run to be RUNNING", async () => ((await fx.clients.runs.getRun({ name })).run?.state === RunState.RUNNING ? true : undefined));
        const lines: string[] = [];
        let ended = false;
        let released = false;
        for await (const chunk of fx.clients.runs.tailRunLog({ name, follow: true })) {
          expect(chunk.fromLine).toBe(lines.length + 1);
          lines.push(...chunk.lines);
          if (!released && lines.some((l) => l.includes("line 3"))) {
            released = true;
            gate();
          }
          if (chunk.end) ended = true;
        }
        expect(ended).toBe(true);
        const numbered = lines.filter((l) => /line \d/.test(l)).map((l) => /line (\d)/.exec(l)?.[1]);
        expect(numbered).toEqual(["1", "2", "3", "4", "5"]);
        const run = await waitFor("the run to succeed", async () => {
          const { run: current } = await fx.clients.runs.getRun({ name });
          return current?.state === RunState.SUCCEEDED ? current : undefined;
        });
        expect(run.handleMessage).toBe("tailed");

        // From an offset, without follow: what the file holds from that line on.
        const tail = await readAll(fx.clients.runs.tailRunLog({ name, fromLine: 3 }));
        expect(tail[0]?.fromLine).toBe(3);
        expect(tail.flatMap((c) => c.lines)).toEqual(lines.slice(2));
      });

      it("says clearly that a run's executor is unreachable (UNAVAILABLE) or that no executor has it yet (FAILED_PRECONDITION)", async () => {
        const gone = await seedRun(autoGroupId, 9102, Date.now(), "RUNNING", "http://127.0.0.1:1");
        await expect(readAll(fx.clients.runs.tailRunLog({ name: `runs/${gone}`, follow: true }))).rejects.toSatisfy(rejectsWith(Code.Unavailable, "http://127.0.0.1:1"));
        const pending = await seedRun(autoGroupId, 9103, Date.now(), "PENDING");
        await expect(readAll(fx.clients.runs.tailRunLog({ name: `runs/${pending}` }))).rejects.toSatisfy(rejectsWith(Code.FailedPrecondition, "no executor has accepted it yet"));
        await expect(readAll(fx.clients.runs.tailRunLog({ name: `runs/${gone}`, fromLine: -1 }))).rejects.toSatisfy(rejectsWith(Code.InvalidArgument, "from_line"));
      });
    });
  });
}

async function readAll<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}
