import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ScheduleType } from "../../../src/gen/jobwire/v1/job_pb.js";
import type { ConsoleClients } from "../../helpers/console-client.js";
import { startFakeExecutor, type FakeExecutor } from "../../helpers/fake-executor.js";
import { describeEachDialect, expectError, startJobTestAdmin, storeSnapshot, type JobTestAdmin } from "./job-harness.js";

const CREATE = "jobwire.v1.JobService/CreateJob";
const TRIGGER = "jobwire.v1.JobService/TriggerJob";

describeEachDialect("JobService request_id (idempotency keys)", (dialect) => {
  let t: JobTestAdmin;
  let jobs: ConsoleClients["jobs"];
  let executor: FakeExecutor;
  let groupCount = 0;

  /** A fresh group (with the fake executor as its manual address), so that each test counts only its own jobs. */
  const freshGroup = async (): Promise<{ id: number; name: string }> => {
    groupCount += 1;
    const { id } = await t.group(`request-id-${groupCount}`, [executor.url]);
    return { id, name: `executorGroups/${id}` };
  };
  const jobDraft = (group: string, displayName: string) => ({
    executorGroup: group,
    displayName,
    author: "keys",
    handler: "keyHandler",
    schedule: { type: ScheduleType.NONE },
  });
  const jobIdsOfGroup = async (groupId: number): Promise<number[]> =>
    (await t.db.selectFrom("jw_job").select("id").where("group_id", "=", groupId).orderBy("id").execute()).map((r) => Number(r.id));
  const runIdsOfJob = async (jobName: string): Promise<number[]> =>
    (await t.db.selectFrom("jw_run").select("id").where("job_id", "=", Number(jobName.split("/")[1])).orderBy("id").execute()).map((r) => Number(r.id));
  const auditActions = async (resource: string): Promise<string[]> => (await t.audit(resource)).map((e) => e.action);
  const storedKeys = async (): Promise<number> => Number((await t.db.selectFrom("jw_request").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    executor = await startFakeExecutor();
    t = await startJobTestAdmin(dialect);
    jobs = t.clients.jobs;
  });
  afterAll(async () => {
    await t?.stop();
    await executor?.stop();
  });

  it("creates one job for a repeated CreateJob and answers the repeat with that job as it is now, even with another body", async () => {
    const group = await freshGroup();
    const requestId = randomUUID();
    const first = (await jobs.createJob({ job: jobDraft(group.name, "Once"), requestId })).job;
    const name = first?.name ?? "";
    expect(name).toMatch(/^jobs\/\d+$/);
    const repeat = (await jobs.createJob({ job: jobDraft(group.name, "Once"), requestId })).job;
    expect(repeat?.name).toBe(name);
    expect(repeat?.displayName).toBe("Once");

    // The key wins over the body, and the answer is the job's current state (as GetJob shows it).
    await jobs.updateJob({ job: { name, author: "changed since" }, updateMask: { paths: ["author"] } });
    const differentBody = (await jobs.createJob({ job: jobDraft(group.name, "Another name"), requestId })).job;
    expect(differentBody).toEqual((await jobs.getJob({ name })).job);
    expect(differentBody?.author).toBe("changed since");

    expect(await jobIdsOfGroup(group.id)).toEqual([Number(name.split("/")[1])]);
    expect(await auditActions(name)).toEqual([CREATE, "jobwire.v1.JobService/UpdateJob"]);
    // Without a key every call creates a job, as before.
    await jobs.createJob({ job: jobDraft(group.name, "Unkeyed") });
    await jobs.createJob({ job: jobDraft(group.name, "Unkeyed") });
    expect(await jobIdsOfGroup(group.id)).toHaveLength(3);
  });

  it("creates exactly one job when several CreateJob calls with one key arrive at once", async () => {
    const group = await freshGroup();
    const requestId = randomUUID();
    const replies = await Promise.all([1, 2, 3, 4].map((i) => jobs.createJob({ job: jobDraft(group.name, `Racer ${i}`), requestId })));
    const names = new Set(replies.map((r) => r.job?.name));
    expect(names.size).toBe(1);
    const [name] = [...names];
    const ids = await jobIdsOfGroup(group.id);
    expect(ids).toEqual([Number(name?.split("/")[1])]);
    expect(await auditActions(name ?? "")).toEqual([CREATE]);
    // Every caller sees the winner's job, whichever body won.
    expect(new Set(replies.map((r) => r.job?.displayName)).size).toBe(1);
  });

  it("keeps keys apart per user: the same key used by two users creates two jobs", async () => {
    const group = await freshGroup();
    const other = await t.normalUser("request-id-user", [group.id]);
    const requestId = randomUUID();
    const mine = (await jobs.createJob({ job: jobDraft(group.name, "Admin's"), requestId })).job;
    const theirs = (await other.jobs.createJob({ job: jobDraft(group.name, "User's"), requestId })).job;
    expect(theirs?.name).not.toBe(mine?.name);
    expect(theirs?.displayName).toBe("User's");
    expect((await other.jobs.createJob({ job: jobDraft(group.name, "User's again"), requestId })).job?.name).toBe(theirs?.name);
    expect(await jobIdsOfGroup(group.id)).toHaveLength(2);
  });

  it("stores no key for a CreateJob that failed, so the same key can be used again", async () => {
    const group = await freshGroup();
    const requestId = randomUUID();
    await expectError(jobs.createJob({ job: { ...jobDraft(group.name, "Broken"), executorGroup: "executorGroups/999999" }, requestId }), Code.InvalidArgument, "job.executor_group");
    const created = (await jobs.createJob({ job: jobDraft(group.name, "Fixed"), requestId })).job;
    expect(created?.displayName).toBe("Fixed");
    expect(await jobIdsOfGroup(group.id)).toHaveLength(1);
  });

  it("fires once for a repeated TriggerJob, also when the repeats run concurrently, and answers with the first runs", async () => {
    const group = await freshGroup();
    const name = (await jobs.createJob({ job: jobDraft(group.name, "Triggered once") })).job?.name ?? "";
    const requestId = randomUUID();
    const first = await jobs.triggerJob({ name, param: "first", requestId });
    expect(first.runs).toHaveLength(1);
    const again = await jobs.triggerJob({ name, param: "second", requestId });
    expect(again.runs).toEqual(first.runs);
    expect(await runIdsOfJob(name)).toEqual(first.runs.map((run) => Number(run.split("/")[1])));

    const racing = randomUUID();
    const replies = await Promise.all([1, 2, 3].map(() => jobs.triggerJob({ name, requestId: racing })));
    expect(new Set(replies.map((r) => JSON.stringify(r.runs))).size).toBe(1);
    expect(await runIdsOfJob(name)).toHaveLength(2);
    expect(await auditActions(name)).toEqual([CREATE, TRIGGER, TRIGGER]);
    // Each call that fired was dispatched before it answered; the executor saw exactly the two stored runs.
    const seen = executor.runs.filter((r) => r.jobId === BigInt(name.split("/")[1] ?? "0")).map((r) => Number(r.runId));
    expect(seen.sort((a, b) => a - b)).toEqual(await runIdsOfJob(name));
  });

  it("refuses a malformed request_id with INVALID_ARGUMENT naming it, storing nothing", async () => {
    const group = await freshGroup();
    const name = (await jobs.createJob({ job: jobDraft(group.name, "Target") })).job?.name ?? "";
    const before = await storeSnapshot(t.db);
    const keysBefore = await storedKeys();
    for (const requestId of ["not a uuid", "x".repeat(65), "ключ", "a/b"]) {
      await expectError(jobs.createJob({ job: jobDraft(group.name, "Refused"), requestId }), Code.InvalidArgument, "request_id");
      await expectError(jobs.triggerJob({ name, requestId }), Code.InvalidArgument, "request_id");
    }
    expect(await storeSnapshot(t.db)).toEqual(before);
    expect(await storedKeys()).toBe(keysBefore);
    // The accepted forms: a UUID, and any 1 to 64 letters, digits, '-' or '_'.
    for (const requestId of [randomUUID(), "a", "x".repeat(64), "retry_2024-01-01"]) {
      await jobs.createJob({ job: jobDraft(group.name, "Accepted"), requestId });
    }
    expect(await storedKeys()).toBe(keysBefore + 4);
  });
});
