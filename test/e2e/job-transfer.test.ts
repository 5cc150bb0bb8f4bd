import { fromJsonString, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pickDefinition } from "../../src/admin/jobs/job-definition.js";
import { getGroup, getJobs, getJobUids, type Database, type DialectName } from "../../src/admin/persistence/index.js";
import { BlockStrategy, GlueType, JobState, MisfireStrategy, RetryBackoff, ScheduleType, type JobSchema, type RouteStrategy } from "../../src/gen/jobwire/v1/job_pb.js";
import { ExportJobsResponseSchema, ImportOutcome } from "../../src/gen/jobwire/v1/job_service_pb.js";
import { testDialects } from "../helpers/databases.js";
import { startJobTestAdmin, storeSnapshot, type JobTestAdmin } from "../admin/rpc/job-harness.js";

/** Source → target pairs, each target of another dialect when more than one is configured. */
function pairs(): [DialectName, DialectName][] {
  const dialects = testDialects();
  return dialects.map((d, i) => [d, dialects[(i + 1) % dialects.length] ?? d]);
}

/** A job's definition with installation-local ids replaced by what an export carries: app names and uids. */
async function portableDefinitions(db: Kysely<Database>): Promise<Map<string, unknown>> {
  const ids = (await db.selectFrom("jw_job").select("id").execute()).map((r) => Number(r.id));
  const jobs = await getJobs(db, ids);
  const uids = await getJobUids(db, ids);
  const out = new Map<string, unknown>();
  for (const job of jobs) {
    const { groupId, childJobIds, ...rest } = pickDefinition(job);
    out.set(uids.get(job.id) ?? "", {
      ...rest,
      appName: (await getGroup(db, groupId))?.appName,
      children: childJobIds.map((id) => uids.get(id)),
      glueSource: job.glueSource,
    });
  }
  return out;
}

for (const [from, to] of pairs()) {
  describe(`job export from ${from} and import into a fresh ${to}`, () => {
    let source: JobTestAdmin;
    let target: JobTestAdmin;

    beforeAll(async () => {
      [source, target] = await Promise.all([startJobTestAdmin(from), startJobTestAdmin(to)]);
      const orders = `executorGroups/${(await source.group("transfer-orders")).id}`;
      const billing = `executorGroups/${(await source.group("transfer-billing")).id}`;
      // Target ids differ from the source's: unrelated groups first, and billing exists there already.
      await target.group("transfer-unrelated");
      await target.group("transfer-billing");
      const names: string[] = [];
      const schedules = [
        { type: ScheduleType.CRON, cron: "0 15 10 ? * MON-FRI", timeZone: "Asia/Shanghai" },
        { type: ScheduleType.FIX_RATE, interval: { seconds: 30n } },
        { type: ScheduleType.FIX_DELAY, interval: { seconds: 90n } },
        { type: ScheduleType.NONE },
        { type: ScheduleType.CRON, cron: "0 0/5 * * * ?" },
      ];
      for (let i = 0; i < 50; i++) {
        const glueType = i % 7 === 3 ? GlueType.SHELL : i % 7 === 5 ? GlueType.PYTHON : GlueType.BEAN;
        const job: MessageInitShape<typeof JobSchema> = {
          executorGroup: i % 3 === 0 ? billing : orders,
          displayName: `Transfer job ${i} — übertragen 转移`,
          description: i % 2 === 0 ? `Job number ${i}\nwith two lines` : "",
          author: `author-${i % 4}`,
          alarm: i % 5 === 0 ? { emails: [`ops${i}@example.com`], webhookUrls: ["https://hooks.example.com/jobwire"] } : { emails: [], webhookUrls: [] },
          schedule: schedules[i % schedules.length] ?? { type: ScheduleType.NONE },
          misfireStrategy: i % 2 === 0 ? MisfireStrategy.FIRE_ONCE_NOW : MisfireStrategy.DO_NOTHING,
          routeStrategy: ((i % 10) + 1) as RouteStrategy,
          glueType,
          handler: glueType === GlueType.BEAN ? `handler${i % 6}` : "",
          glueSource: glueType === GlueType.SHELL ? `#!/bin/bash\necho job ${i}\n` : glueType === GlueType.PYTHON ? `print("job ${i}")\n` : "",
          param: i % 4 === 0 ? `{"batch": ${i}}` : "",
          blockStrategy: i % 4 === 1 ? BlockStrategy.CONCURRENT : BlockStrategy.SERIAL,
          concurrency: i % 4 === 1 ? 1 + (i % 9) : 1,
          ...(i % 3 === 1 ? { timeout: { seconds: BigInt(60 * (i + 1)) } } : {}),
          retryPolicy: { maxRetries: i % 4, backoff: i % 2 === 0 ? RetryBackoff.EXPONENTIAL : RetryBackoff.FIXED, initialInterval: { seconds: BigInt(i % 5) }, maxInterval: { seconds: 600n } },
          // Chains and cross-group links: each fifth job has the two before it as children.
          childJobs: i % 5 === 4 ? [names[i - 1] ?? "", names[i - 2] ?? ""] : [],
        };
        const created = (await source.clients.jobs.createJob({ job })).job?.name ?? "";
        names.push(created);
        if (glueType === GlueType.SHELL && i % 2 === 1) await source.clients.jobs.updateGlueSource({ name: created, glueSource: `echo edited ${i}\n`, glueRemark: "edited once" });
        if (i % 6 === 0 && schedules[i % schedules.length]?.type !== ScheduleType.NONE) await source.clients.jobs.startJob({ name: created });
      }
    });
    afterAll(async () => {
      await Promise.all([source?.stop(), target?.stop()]);
    });

    it("imports the 50 exported jobs with the same definitions, groups mapped by app name and children by key", async () => {
      const exported = await source.clients.jobs.exportJobs({});
      expect(exported.jobs).toHaveLength(50);
      // The JSON form is the file format: what a user saves and later imports.
      const file = toJsonString(ExportJobsResponseSchema, exported, { prettySpaces: 2 });
      const document = fromJsonString(ExportJobsResponseSchema, file);

      const empty = await storeSnapshot(target.db);
      const dry = await target.clients.jobs.importJobs({ jobs: document.jobs, validateOnly: true, createMissingGroups: true });
      expect([dry.createdCount, dry.updatedCount, dry.unchangedCount]).toEqual([50, 0, 0]);
      expect(await storeSnapshot(target.db)).toEqual(empty);

      const result = await target.clients.jobs.importJobs({ jobs: document.jobs, createMissingGroups: true });
      expect([result.createdCount, result.updatedCount, result.unchangedCount]).toEqual([50, 0, 0]);
      expect(result.results.every((r) => r.outcome === ImportOutcome.CREATED && r.created && r.job.startsWith("jobs/"))).toBe(true);
      expect(result.createdExecutorGroups).toHaveLength(1);
      const createdGroup = await target.clients.groups.getExecutorGroup({ name: result.createdExecutorGroups[0] ?? "" });
      expect(createdGroup.executorGroup?.appName).toBe("transfer-orders");

      const expected = await portableDefinitions(source.db);
      const actual = await portableDefinitions(target.db);
      expect(actual.size).toBe(50);
      expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
      // Imported jobs start stopped whatever their state at the source.
      expect((await target.clients.jobs.listJobs({ pageSize: 100 })).jobs.every((j) => j.state === JobState.STOPPED)).toBe(true);
    });

    it("re-importing the same document creates and changes nothing", async () => {
      const document = await source.clients.jobs.exportJobs({});
      const before = await storeSnapshot(target.db);
      const again = await target.clients.jobs.importJobs({ jobs: document.jobs, createMissingGroups: true });
      expect([again.createdCount, again.updatedCount, again.unchangedCount]).toEqual([0, 0, 50]);
      expect(again.results.every((r) => r.outcome === ImportOutcome.UNCHANGED && !r.created)).toBe(true);
      expect(again.createdExecutorGroups).toEqual([]);
      expect(await storeSnapshot(target.db)).toEqual(before);
    });

    it("updates only the jobs that changed at the source, and a job travels back to its origin as the same job", async () => {
      const first = (await source.clients.jobs.listJobs({ pageSize: 1 })).jobs[0]?.name ?? "";
      await source.clients.jobs.updateJob({ job: { name: first, param: "changed at the source" }, updateMask: { paths: ["param"] } });
      const changed = await target.clients.jobs.importJobs({ jobs: (await source.clients.jobs.exportJobs({})).jobs });
      expect([changed.createdCount, changed.updatedCount, changed.unchangedCount]).toEqual([0, 1, 49]);
      expect(Object.fromEntries(await portableDefinitions(target.db))).toEqual(Object.fromEntries(await portableDefinitions(source.db)));

      const back = await source.clients.jobs.importJobs({ jobs: (await target.clients.jobs.exportJobs({})).jobs });
      expect([back.createdCount, back.updatedCount, back.unchangedCount]).toEqual([0, 0, 50]);
    });
  });
}
