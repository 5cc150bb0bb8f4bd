import { Code, ConnectError } from "@connectrpc/connect";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunState } from "../../../src/admin/domain/index.js";
import { insertRuns, listRuns } from "../../../src/admin/persistence/index.js";
import { CLEAR_BATCH_SIZE, CLEAR_RUNS_ACTION } from "../../../src/admin/rpc/services/run-clear.js";
import { AddressType } from "../../../src/gen/jobwire/v1/executor_group_pb.js";
import { testDialects } from "../../helpers/databases.js";
import { seededReport, seededRunDraft, startAdminFixture, type AdminFixture } from "./run-admin-fixture.js";

const DAY = 86_400_000;

function rejectsWith(code: Code, text: string): (e: unknown) => boolean {
  return (e) => ConnectError.from(e).code === code && ConnectError.from(e).rawMessage.includes(text);
}

const idOf = (name: string): number => Number(name.split("/")[1]);

for (const dialect of testDialects()) {
  describe(`RunService.ClearRuns over real sockets on ${dialect}`, () => {
    let fx: AdminFixture;
    let group = { name: "", id: 0 };
    let other = { name: "", id: 0 };
    let jobA = { name: "", id: 0 };
    let jobB = { name: "", id: 0 };

    /** Seeds runs of a job, one per state, triggered at the given instants; returns their ids in order. */
    async function seed(groupId: number, jobId: number, runs: readonly { at: number; state: RunState }[]): Promise<number[]> {
      const drafts = runs.map(({ at }) => seededRunDraft(groupId, jobId, at));
      const inserted = await insertRuns(fx.db, drafts);
      // One UPDATE per state: thousands of runs are seeded for the batching test.
      const byState = new Map<RunState, number[]>();
      inserted.forEach((run, i) => {
        const state = runs[i]?.state ?? "SUCCEEDED";
        byState.set(state, [...(byState.get(state) ?? []), run.id]);
      });
      for (const [state, ids] of byState) {
        if (state === "PENDING") continue;
        for (let i = 0; i < ids.length; i += 500) {
          await fx.db
            .updateTable("jw_run")
            .set({ state, trigger_state: "ACCEPTED", trigger_report: JSON.stringify(seededReport("")) })
            .where("id", "in", ids.slice(i, i + 500))
            .execute();
        }
      }
      return inserted.map((r) => r.id);
    }

    async function remaining(jobId: number): Promise<number[]> {
      return (await listRuns(fx.db, { jobId }, { limit: 10_000 })).items.map((r) => r.id).sort((a, b) => a - b);
    }

    async function manualGroup(appName: string): Promise<{ name: string; id: number }> {
      const { executorGroup } = await fx.clients.groups.createExecutorGroup({
        executorGroup: { appName, displayName: appName, addressType: AddressType.MANUAL, manualAddresses: ["http://127.0.0.1:1"] },
      });
      return { name: executorGroup?.name ?? "", id: idOf(executorGroup?.name ?? "") };
    }

    async function job(groupName: string, displayName: string): Promise<{ name: string; id: number }> {
      const { job: created } = await fx.clients.jobs.createJob({ job: { executorGroup: groupName, displayName, author: "clear-test", handler: "h" } });
      return { name: created?.name ?? "", id: idOf(created?.name ?? "") };
    }

    beforeAll(async () => {
      fx = await startAdminFixture(dialect, { monitorIntervalMs: 3_600_000, schedulerEnabled: false });
      group = await manualGroup("clear-main");
      other = await manualGroup("clear-other");
      jobA = await job(group.name, "A");
      jobB = await job(group.name, "B");
    });

    afterAll(async () => {
      await fx?.stop();
    });

    it("applies older-than, keep-last and all to one job's finished runs only, and counts what it deleted", async () => {
      const now = Date.now();
      const states: RunState[] = ["SUCCEEDED", "FAILED", "SUCCEEDED", "KILLED", "RUNNING", "SUCCEEDED", "TIMED_OUT", "PENDING", "SUCCEEDED", "LOST"];
      const ids = await seed(group.id, jobA.id, states.map((state, i) => ({ at: now - (10 - i) * DAY, state })));
      const bIds = await seed(group.id, jobB.id, [{ at: now - 20 * DAY, state: "SUCCEEDED" }, { at: now - 20 * DAY, state: "FAILED" }]);
      const pick = (...indexes: number[]): number[] => indexes.map((i) => ids[i] ?? 0);

      const older = await fx.clients.runs.clearRuns({ job: jobA.name, policy: { case: "olderThan", value: durationFromMs(5.5 * DAY) } });
      expect(older.deletedCount).toBe(4n);
      expect(await remaining(jobA.id)).toEqual(pick(4, 5, 6, 7, 8, 9));

      const keep = await fx.clients.runs.clearRuns({ job: jobA.name, policy: { case: "keepLast", value: 3 } });
      expect(keep.deletedCount).toBe(2n);
      expect(await remaining(jobA.id)).toEqual(pick(4, 7, 8, 9));

      const all = await fx.clients.runs.clearRuns({ job: jobA.name, policy: { case: "all", value: true } });
      expect(all.deletedCount).toBe(2n);
      // The RUNNING and the PENDING run stay whatever the policy.
      expect(await remaining(jobA.id)).toEqual(pick(4, 7));
      // Another job of the same group was outside the scope.
      expect(await remaining(jobB.id)).toEqual(bIds);

      const entries = (await fx.auditEntries(CLEAR_RUNS_ACTION)).filter((e) => e.resource === jobA.name);
      expect(entries.map((e) => (JSON.parse(e.after) as { deletedCount: number }).deletedCount)).toEqual([4, 2, 2]);
      expect(JSON.parse(entries[1]?.after ?? "{}")).toMatchObject({ policy: { keepLast: 3 } });
    });

    it("clears a whole group in batches, leaving other groups alone", async () => {
      const now = Date.now();
      const job2 = await job(group.name, "batch");
      const many = CLEAR_BATCH_SIZE + 205;
      await seed(group.id, job2.id, Array.from({ length: many }, (_, i) => ({ at: now - DAY - i, state: "SUCCEEDED" as const })));
      const otherJob = await job(other.name, "other");
      const otherIds = await seed(other.id, otherJob.id, [{ at: now - 30 * DAY, state: "FAILED" }]);
      const before = (await listRuns(fx.db, { groupIds: [group.id] }, { limit: 10_000 })).items;
      const finished = before.filter((r) => r.state !== "RUNNING" && r.state !== "PENDING").length;
      const { deletedCount } = await fx.clients.runs.clearRuns({ executorGroup: group.name, policy: { case: "all", value: true } });
      expect(deletedCount).toBe(BigInt(finished));
      expect(finished).toBeGreaterThan(many);
      const after = (await listRuns(fx.db, { groupIds: [group.id] }, { limit: 10_000 })).items;
      expect(after.map((r) => r.state).sort()).toEqual(["PENDING", "RUNNING"]);
      expect(await remaining(otherJob.id)).toEqual(otherIds);
    });

    it("limits a normal user's unscoped clear to the permitted groups", async () => {
      const now = Date.now();
      const mine = await job(other.name, "mine");
      await seed(other.id, mine.id, [{ at: now - DAY, state: "SUCCEEDED" }]);
      const notMine = await job(group.name, "not mine");
      const kept = await seed(group.id, notMine.id, [{ at: now - DAY, state: "SUCCEEDED" }]);
      const user = await fx.normalUser([other.id]);
      const { deletedCount } = await user.runs.clearRuns({ policy: { case: "all", value: true } });
      expect(deletedCount).toBe(2n);
      expect(await remaining(mine.id)).toEqual([]);
      expect(await remaining(notMine.id)).toEqual(kept);
    });

    it("refuses a missing or bad policy and a job outside the named group, naming the field, and deletes nothing", async () => {
      const now = Date.now();
      const j = await job(group.name, "validation");
      const ids = await seed(group.id, j.id, [{ at: now - 40 * DAY, state: "SUCCEEDED" }]);
      const cases: [Parameters<typeof fx.clients.runs.clearRuns>[0], string][] = [
        [{ job: j.name }, "policy"],
        [{ job: j.name, policy: { case: "keepLast", value: -1 } }, "keep_last"],
        [{ job: j.name, policy: { case: "olderThan", value: durationFromMs(0) } }, "older_than"],
        [{ job: j.name, policy: { case: "all", value: false } }, "all"],
        [{ job: j.name, executorGroup: other.name, policy: { case: "all", value: true } }, "job"],
        [{ job: "jobs/abc", policy: { case: "all", value: true } }, "job"],
      ];
      for (const [request, field] of cases) {
        await expect(fx.clients.runs.clearRuns(request)).rejects.toSatisfy(rejectsWith(Code.InvalidArgument, `${field}:`));
      }
      await expect(fx.clients.runs.clearRuns({ job: "jobs/99999999", policy: { case: "all", value: true } })).rejects.toSatisfy(rejectsWith(Code.NotFound, "jobs/99999999"));
      expect(await remaining(j.id)).toEqual(ids);
    });
  });
}
