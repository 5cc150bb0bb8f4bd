import { describe, expect, it } from "vitest";
import {
  countJobs,
  countJobsInGroup,
  deleteJob,
  getGlueVersion,
  getJob,
  getRun,
  insertGlueVersion,
  insertGroup,
  insertJob,
  insertPlannedFires,
  insertRun,
  listJobs,
  setJobSchedule,
  updateJob,
} from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { collectIds, newGroup, newJob, newRun, pageOf, seedJob, uniqueName } from "./fixtures.js";

describeEachDatabase("job repository", (getDb) => {
  describe("insertJob()", () => {
    it("stores the definition as a STOPPED job at version 1 and maps every field back", async () => {
      const group = await insertGroup(getDb(), newGroup(), 1);
      const input = newJob(group.id, { glueType: "SHELL", glueSource: "echo hi", glueRemark: "first", childJobIds: [3, 4] });
      const job = await insertJob(getDb(), input, 5_000);
      expect(job).toEqual({
        ...input,
        id: job.id,
        glueUpdateTime: 5_000,
        state: "STOPPED",
        lastFireTime: 0,
        nextFireTime: 0,
        version: 1,
        createTime: 5_000,
        updateTime: 5_000,
      });
      expect(await getJob(getDb(), job.id)).toEqual(job);
    });

    it("stores a GLUE source larger than MySQL's 64 KiB TEXT", async () => {
      const source = "echo 'x'\n".repeat(20_000);
      const { job } = await seedJob(getDb(), { glueType: "SHELL", glueSource: source });
      expect((await getJob(getDb(), job.id))?.glueSource).toBe(source);
    });
  });

  describe("listJobs() / countJobs()", () => {
    it("returns every job of a group exactly once across pages, in ascending id order", async () => {
      const group = await insertGroup(getDb(), newGroup(), 1);
      const ids: number[] = [];
      for (let i = 0; i < 8; i++) ids.push((await insertJob(getDb(), newJob(group.id, { name: `job ${i}` }), i)).id);
      expect(await collectIds((cursor) => listJobs(getDb(), { groupIds: [group.id] }, pageOf(3, cursor)))).toEqual(ids);
      expect(await countJobs(getDb(), { groupIds: [group.id] })).toBe(8);
      expect(await countJobsInGroup(getDb(), group.id)).toBe(8);
    });

    it("filters by state and by case-insensitive name, handler and author substrings", async () => {
      const group = await insertGroup(getDb(), newGroup(), 1);
      const marker = uniqueName("Marker");
      const match = await insertJob(getDb(), newJob(group.id, { name: `${marker} Sync`, handler: "syncOrders", author: "Bob Smith" }), 1);
      const other = await insertJob(getDb(), newJob(group.id, { name: `${marker} Other`, handler: "other", author: "carol" }), 1);
      await setJobSchedule(getDb(), other.id, { state: "RUNNING", nextFireTime: 10, lastFireTime: 0 }, 2);
      const ids = async (filter: Parameters<typeof listJobs>[1]): Promise<number[]> =>
        (await listJobs(getDb(), { groupIds: [group.id], ...filter }, { limit: 100 })).items.map((j) => j.id);
      expect(await ids({ nameContains: `${marker.toLowerCase()} sync` })).toEqual([match.id]);
      expect(await ids({ handlerContains: "SYNCORD" })).toEqual([match.id]);
      expect(await ids({ authorContains: "smith" })).toEqual([match.id]);
      expect(await ids({ state: "RUNNING" })).toEqual([other.id]);
      expect(await countJobs(getDb(), { groupIds: [group.id], state: "STOPPED" })).toBe(1);
    });

    it("matches nothing for an empty group list", async () => {
      await seedJob(getDb());
      expect((await listJobs(getDb(), { groupIds: [] }, { limit: 10 })).items).toEqual([]);
      expect(await countJobs(getDb(), { groupIds: [] })).toBe(0);
    });
  });

  describe("updateJob()", () => {
    it("applies the patch, increments the version and keeps the scheduler's fields", async () => {
      const { job } = await seedJob(getDb());
      await setJobSchedule(getDb(), job.id, { state: "RUNNING", nextFireTime: 9_000, lastFireTime: 8_000 }, 3_000);
      const updated = await updateJob(getDb(), job.id, { name: "Renamed", retry: { count: 0, backoff: "FIXED", intervalMs: 0, maxIntervalMs: 0 } }, 4_000);
      expect(updated).toMatchObject({ name: "Renamed", retry: { count: 0, backoff: "FIXED" }, version: 2, updateTime: 4_000, state: "RUNNING", nextFireTime: 9_000 });
      expect(await getJob(getDb(), job.id)).toEqual(updated);
    });

    it("returns undefined and changes nothing when the expected version is stale", async () => {
      const { job } = await seedJob(getDb());
      expect(await updateJob(getDb(), job.id, { name: "First" }, 4_000, 1)).toMatchObject({ version: 2 });
      expect(await updateJob(getDb(), job.id, { name: "Stale" }, 5_000, 1)).toBeUndefined();
      expect(await getJob(getDb(), job.id)).toMatchObject({ name: "First", version: 2 });
    });

    it("lets exactly one of several concurrent updates with the same expected version win", async () => {
      const { job } = await seedJob(getDb());
      const results = await Promise.all([1, 2, 3, 4].map((i) => updateJob(getDb(), job.id, { name: `writer ${i}` }, 4_000 + i, 1)));
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect(await getJob(getDb(), job.id)).toMatchObject({ name: winners[0]?.name, version: 2 });
    });

    it("moves the GLUE update time only when the GLUE type or source changes", async () => {
      const { job } = await seedJob(getDb(), { glueType: "SHELL", glueSource: "echo 1" });
      expect((await updateJob(getDb(), job.id, { name: "x", glueType: "SHELL", glueSource: "echo 1" }, 6_000))?.glueUpdateTime).toBe(2_000);
      expect((await updateJob(getDb(), job.id, { glueSource: "echo 2", glueRemark: "v2" }, 7_000))?.glueUpdateTime).toBe(7_000);
    });

    it("returns undefined for a job that does not exist", async () => {
      expect(await updateJob(getDb(), 987_654, { name: "x" }, 1)).toBeUndefined();
    });
  });

  describe("setJobSchedule()", () => {
    it("sets state and fire times without changing the version", async () => {
      const { job } = await seedJob(getDb());
      const started = await setJobSchedule(getDb(), job.id, { state: "RUNNING", nextFireTime: 10_000, lastFireTime: 0 }, 3_000);
      expect(started).toMatchObject({ state: "RUNNING", nextFireTime: 10_000, lastFireTime: 0, version: 1, updateTime: 3_000 });
      expect(await setJobSchedule(getDb(), 987_654, { state: "STOPPED", nextFireTime: 0, lastFireTime: 0 }, 1)).toBeUndefined();
    });
  });

  describe("deleteJob()", () => {
    it("deletes the job with its runs, planned fires and GLUE versions, and leaves other jobs' rows alone", async () => {
      const { job } = await seedJob(getDb());
      const { job: other } = await seedJob(getDb());
      const run = await insertRun(getDb(), newRun(job));
      const otherRun = await insertRun(getDb(), newRun(other));
      await insertPlannedFires(getDb(), [{ jobId: job.id, scheduledTime: 1, triggerType: "SCHEDULE" }, { jobId: other.id, scheduledTime: 1, triggerType: "SCHEDULE" }], 1);
      const glue = await insertGlueVersion(getDb(), { jobId: job.id, glueType: "SHELL", source: "echo", remark: "v1" }, 1);
      const otherGlue = await insertGlueVersion(getDb(), { jobId: other.id, glueType: "SHELL", source: "echo", remark: "v1" }, 1);

      expect(await deleteJob(getDb(), job.id)).toBe(true);

      expect(await getJob(getDb(), job.id)).toBeUndefined();
      expect(await getRun(getDb(), run.id)).toBeUndefined();
      expect(await getGlueVersion(getDb(), glue.id)).toBeUndefined();
      const fires = await getDb().selectFrom("jw_planned_fire").select("job_id").where("job_id", "in", [job.id, other.id]).execute();
      expect(fires.map((f) => Number(f.job_id))).toEqual([other.id]);
      expect(await getRun(getDb(), otherRun.id)).toBeDefined();
      expect(await getGlueVersion(getDb(), otherGlue.id)).toBeDefined();
      expect(await deleteJob(getDb(), job.id)).toBe(false);
    });

    it("joins a caller's transaction, so a rollback keeps everything", async () => {
      const { job } = await seedJob(getDb());
      const run = await insertRun(getDb(), newRun(job));
      await expect(
        getDb()
          .transaction()
          .execute(async (trx) => {
            await deleteJob(trx, job.id);
            throw new Error("roll back");
          }),
      ).rejects.toThrow("roll back");
      expect(await getJob(getDb(), job.id)).toBeDefined();
      expect(await getRun(getDb(), run.id)).toBeDefined();
    });
  });
});
