import { describe, expect, it } from "vitest";
import { getGlueVersion, GLUE_VERSIONS_KEPT, insertGlueVersion, listGlueVersions } from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { seedJob } from "./fixtures.js";

describeEachDatabase("glue-version repository", (getDb) => {
  describe("insertGlueVersion()", () => {
    it("stores a version and returns it with its id", async () => {
      const { job } = await seedJob(getDb());
      const version = await insertGlueVersion(getDb(), { jobId: job.id, glueType: "PYTHON", source: "print('hi')", remark: "first" }, 1_000);
      expect(version).toEqual({ id: version.id, jobId: job.id, glueType: "PYTHON", source: "print('hi')", remark: "first", createTime: 1_000 });
      expect(await getGlueVersion(getDb(), version.id)).toEqual(version);
    });

    it(`keeps only the newest ${GLUE_VERSIONS_KEPT} versions of a job and leaves other jobs' versions alone`, async () => {
      const { job } = await seedJob(getDb());
      const { job: other } = await seedJob(getDb());
      const otherVersion = await insertGlueVersion(getDb(), { jobId: other.id, glueType: "SHELL", source: "echo other", remark: "" }, 1);
      const ids: number[] = [];
      for (let i = 0; i < GLUE_VERSIONS_KEPT + 5; i++) {
        ids.push((await insertGlueVersion(getDb(), { jobId: job.id, glueType: "SHELL", source: `echo ${i}`, remark: `v${i}` }, 1_000 + i)).id);
      }
      const kept = await listGlueVersions(getDb(), job.id);
      expect(kept).toHaveLength(GLUE_VERSIONS_KEPT);
      expect(kept.map((v) => v.id)).toEqual(ids.slice(-GLUE_VERSIONS_KEPT).reverse());
      expect(kept[0]?.source).toBe(`echo ${GLUE_VERSIONS_KEPT + 4}`);
      expect(await getGlueVersion(getDb(), ids[0] ?? 0)).toBeUndefined();
      expect(await listGlueVersions(getDb(), other.id)).toEqual([otherVersion]);
    });
  });

  describe("listGlueVersions()", () => {
    it("lists newest first and returns nothing for a job without versions", async () => {
      const { job } = await seedJob(getDb());
      const first = await insertGlueVersion(getDb(), { jobId: job.id, glueType: "SHELL", source: "a", remark: "" }, 1);
      const second = await insertGlueVersion(getDb(), { jobId: job.id, glueType: "SHELL", source: "b", remark: "" }, 2);
      expect((await listGlueVersions(getDb(), job.id)).map((v) => v.id)).toEqual([second.id, first.id]);
      expect(await listGlueVersions(getDb(), 987_654)).toEqual([]);
    });
  });
});
