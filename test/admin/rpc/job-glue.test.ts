import { Code } from "@connectrpc/connect";
import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GlueType, ScheduleType } from "../../../src/gen/jobwire/v1/job_pb.js";
import type { ConsoleClients } from "../../helpers/console-client.js";
import { describeEachDialect, expectError, startJobTestAdmin, type JobTestAdmin } from "./job-harness.js";

const ms = (t: Timestamp | undefined): number => (t === undefined ? 0 : timestampMs(t));

describeEachDialect("JobService GLUE sources", (dialect) => {
  let t: JobTestAdmin;
  let jobs: ConsoleClients["jobs"];
  let group = "";

  const createScript = async (glueType: GlueType, glueSource: string): Promise<string> => {
    const { job } = await jobs.createJob({ job: { executorGroup: group, displayName: "Script", author: "glue", glueType, glueSource, schedule: { type: ScheduleType.NONE } } });
    return job?.name ?? "";
  };

  beforeAll(async () => {
    t = await startJobTestAdmin(dialect);
    jobs = t.clients.jobs;
    group = `executorGroups/${(await t.group("glue-app")).id}`;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("keeps the newest 30 of 31 saved versions, newest first, and moves the GLUE stamp on every save", async () => {
    const name = await createScript(GlueType.PYTHON, "print(0)");
    let stamp = ms((await jobs.getJob({ name })).job?.glueUpdateTime);
    for (let i = 1; i <= 31; i++) {
      const { job } = await jobs.updateGlueSource({ name, glueSource: `print(${i})`, glueRemark: `version ${i}` });
      expect(job?.glueSource).toBe(`print(${i})`);
      expect(job?.glueRemark).toBe(`version ${i}`);
      const next = ms(job?.glueUpdateTime);
      expect(next).toBeGreaterThan(stamp);
      stamp = next;
    }
    const { glueVersions, nextPageToken } = await jobs.listGlueVersions({ parent: name });
    expect(nextPageToken).toBe("");
    expect(glueVersions.map((v) => v.remark)).toEqual(Array.from({ length: 30 }, (_, i) => `version ${31 - i}`));
    expect(glueVersions.every((v) => v.glueType === GlueType.PYTHON && v.name.startsWith(`${name}/glueVersions/`))).toBe(true);
    expect(await t.db.selectFrom("jw_glue_version").select("id").where("job_id", "=", Number(name.split("/")[1])).execute()).toHaveLength(30);

    const page1 = await jobs.listGlueVersions({ parent: name, pageSize: 20 });
    const page2 = await jobs.listGlueVersions({ parent: name, pageSize: 20, pageToken: page1.nextPageToken });
    expect([...page1.glueVersions, ...page2.glueVersions].map((v) => v.name)).toEqual(glueVersions.map((v) => v.name));
  });

  it("restores an old version as the current source, saved as a new version", async () => {
    const name = await createScript(GlueType.SHELL, "echo one");
    await jobs.updateGlueSource({ name, glueSource: "echo two", glueRemark: "second" });
    await jobs.updateGlueSource({ name, glueSource: "echo three", glueRemark: "third" });
    const versions = (await jobs.listGlueVersions({ parent: name })).glueVersions;
    expect(versions.map((v) => v.source)).toEqual(["echo three", "echo two", "echo one"]);
    const first = versions[2]?.name ?? "";
    const before = (await jobs.getJob({ name })).job;
    const { job } = await jobs.restoreGlueVersion({ name: first });
    expect(job?.glueSource).toBe("echo one");
    expect(job?.glueRemark).toBe(`restore of version ${first.split("/")[3]}`);
    expect(ms(job?.glueUpdateTime)).toBeGreaterThan(ms(before?.glueUpdateTime));
    const after = (await jobs.listGlueVersions({ parent: name })).glueVersions;
    expect(after.map((v) => v.source)).toEqual(["echo one", "echo three", "echo two", "echo one"]);
    const remarked = await jobs.restoreGlueVersion({ name: after[2]?.name ?? "", glueRemark: "back to two" });
    expect(remarked.job?.glueRemark).toBe("back to two");
    expect((await t.audit(name)).map((e) => e.action.split("/")[1])).toEqual(["CreateJob", "UpdateGlueSource", "UpdateGlueSource", "RestoreGlueVersion", "RestoreGlueVersion"]);
  });

  it("strips carriage returns from shell scripts", async () => {
    const name = await createScript(GlueType.SHELL, "echo a\r\necho b\r\n");
    expect((await jobs.getJob({ name })).job?.glueSource).toBe("echo a\necho b\n");
    const { job } = await jobs.updateGlueSource({ name, glueSource: "echo c\r\n", glueRemark: "windows line ends" });
    expect(job?.glueSource).toBe("echo c\n");
  });

  it("refuses GLUE sources for BEAN jobs and versions of other jobs", async () => {
    const { job: bean } = await jobs.createJob({ job: { executorGroup: group, displayName: "Bean", author: "glue", handler: "h" } });
    await expectError(jobs.updateGlueSource({ name: bean?.name ?? "", glueSource: "echo", glueRemark: "not a script" }), Code.FailedPrecondition);
    const a = await createScript(GlueType.SHELL, "echo a");
    const b = await createScript(GlueType.SHELL, "echo b");
    const versionOfA = (await jobs.listGlueVersions({ parent: a })).glueVersions[0]?.name ?? "";
    await expectError(jobs.restoreGlueVersion({ name: versionOfA.replace(a, b) }), Code.NotFound);
    expect((await jobs.getJob({ name: b })).job?.glueSource).toBe("echo b");
  });
});
