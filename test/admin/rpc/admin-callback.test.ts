import { create } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRun, insertGroup, insertRun } from "../../../src/admin/persistence/index.js";
import { AdminService, CallbackRequestSchema, type CallbackResponse } from "../../../src/gen/jobwire/v1/admin_service_pb.js";
import { RunState } from "../../../src/gen/jobwire/v1/run_pb.js";
import { testDialects } from "../../helpers/databases.js";
import { startFakeExecutor, type FakeExecutor } from "../../helpers/fake-executor.js";
import { waitFor } from "../../helpers/wait-for.js";
import { newGroup } from "../persistence/fixtures.js";
import { seededRunDraft, startAdminFixture, type AdminFixture } from "./run-admin-fixture.js";

const idOf = (name: string): number => Number(name.split("/")[1]);

/**
 * The admin side of `AdminService.Callback`: which results it stores and acknowledges and which it refuses, for runs
 * it sent itself (whose fields it remembers) as well as runs it reads from the database.
 */
for (const dialect of testDialects()) {
  describe(`AdminService.Callback over real sockets on ${dialect}`, () => {
    let fx: AdminFixture;
    let executor: FakeExecutor;
    let group = { name: "", id: 0, appName: "" };
    let callbacks: Client<typeof AdminService>;

    beforeAll(async () => {
      fx = await startAdminFixture(dialect);
      executor = await startFakeExecutor();
      const stored = await insertGroup(fx.db, newGroup({ addressType: "MANUAL", manualAddresses: [executor.url] }), Date.now());
      group = { name: `executorGroups/${stored.id}`, id: stored.id, appName: stored.appName };
      const transport = createGrpcTransport({
        baseUrl: fx.admin.url,
        interceptors: [
          (next) => (req) => {
            req.header.set("jobwire-app-name", stored.appName);
            req.header.set("authorization", `Bearer ${stored.accessToken}`);
            return next(req);
          },
        ],
      });
      callbacks = createClient(AdminService, transport);
    });

    afterAll(async () => {
      await fx?.stop();
      await executor?.stop();
    });

    /** Sends one batch of results on a Callback stream and returns the admin's answer to it. */
    async function report(results: { runId: number; state: RunState; message?: string }[]): Promise<{ acked: number[]; rejected: Map<number, string> }> {
      const request = create(CallbackRequestSchema, { results: results.map((r) => ({ runId: BigInt(r.runId), state: r.state, message: r.message ?? "" })) });
      let answer: CallbackResponse | undefined;
      for await (const response of callbacks.callback(createAsyncIterable([request]))) answer = response;
      if (answer === undefined) throw new Error("the admin answered nothing");
      return { acked: answer.ackedRunIds.map(Number), rejected: new Map(answer.rejections.map((r) => [Number(r.runId), r.reason])) };
    }

    /** Creates a job of the group and triggers it; returns the job's name and the run the admin sent. */
    async function sentRun(handler: string): Promise<{ jobName: string; runId: number }> {
      const { job } = await fx.clients.jobs.createJob({ job: { executorGroup: group.name, displayName: handler, author: "callback-test", handler } });
      const { runs } = await fx.clients.jobs.triggerJob({ name: job?.name ?? "" });
      const runId = idOf(runs[0] ?? "");
      await waitFor("the executor to get the run", () => (executor.runs.some((r) => Number(r.runId) === runId) ? true : undefined));
      await waitFor("the acceptance to be stored", async () => ((await getRun(fx.db, runId))?.state === "RUNNING" ? true : undefined));
      return { jobName: job?.name ?? "", runId };
    }

    it("stores and acknowledges the result of a run it sent, and acknowledges a repeat of it without a change", async () => {
      const { runId } = await sentRun("sent-then-reported");
      expect(await report([{ runId, state: RunState.SUCCEEDED, message: "done" }])).toEqual({ acked: [runId], rejected: new Map() });
      expect(await getRun(fx.db, runId)).toMatchObject({ state: "SUCCEEDED", handleMessage: "done" });
      expect(await report([{ runId, state: RunState.FAILED, message: "late duplicate" }])).toEqual({ acked: [runId], rejected: new Map() });
      expect(await getRun(fx.db, runId)).toMatchObject({ state: "SUCCEEDED", handleMessage: "done" });
    });

    it("stores the result of a run another admin sent, read from the database", async () => {
      const stored = await insertRun(fx.db, seededRunDraft(group.id, 424_242, Date.now(), executor.url));
      expect(await report([{ runId: stored.id, state: RunState.FAILED, message: "boom" }])).toEqual({ acked: [stored.id], rejected: new Map() });
      expect(await getRun(fx.db, stored.id)).toMatchObject({ state: "FAILED", handleMessage: "boom" });
    });

    it("refuses, in one batch with a stored result, a run that never existed, a run deleted with its job after it was sent, a state an executor may not report and another group's run", async () => {
      const kept = await sentRun("kept");
      const deleted = await sentRun("deleted-after-sending");
      await fx.clients.jobs.deleteJob({ name: deleted.jobName });
      expect(await getRun(fx.db, deleted.runId)).toBeUndefined();
      const otherGroup = await insertGroup(fx.db, newGroup(), Date.now());
      const foreign = await insertRun(fx.db, seededRunDraft(otherGroup.id, 424_243, Date.now(), ""));
      const wrongState = await sentRun("wrong-state");
      const answer = await report([
        { runId: kept.runId, state: RunState.SUCCEEDED },
        { runId: 987_654_321, state: RunState.SUCCEEDED },
        { runId: deleted.runId, state: RunState.SUCCEEDED },
        { runId: wrongState.runId, state: RunState.RUNNING },
        { runId: foreign.id, state: RunState.SUCCEEDED },
      ]);
      expect(answer.acked).toEqual([kept.runId]);
      expect(answer.rejected).toEqual(
        new Map([
          [987_654_321, "run 987654321 does not exist"],
          [wrongState.runId, "state RUNNING is not a final state an executor may report"],
          [foreign.id, `run ${foreign.id} belongs to another executor group`],
          [deleted.runId, `run ${deleted.runId} does not exist`],
        ]),
      );
      expect(await getRun(fx.db, kept.runId)).toMatchObject({ state: "SUCCEEDED" });
      expect(await getRun(fx.db, wrongState.runId)).toMatchObject({ state: "RUNNING" });
      expect(await getRun(fx.db, foreign.id)).toMatchObject({ state: "PENDING" });
      // The admin forgot the run refused for its state with that batch; its real result is read from the database and stored.
      expect(await report([{ runId: wrongState.runId, state: RunState.SUCCEEDED }])).toEqual({ acked: [wrongState.runId], rejected: new Map() });
    });
  });
}
