import { expect, it } from "vitest";
import type { Job } from "../../../src/admin/domain/index.js";
import { claimDueJobs, getDispatchJobs, getJob, getJobFollowUps, inTransaction, setJobSchedule } from "../../../src/admin/persistence/index.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { seedJob } from "./fixtures.js";

/** `job` narrowed to `keys`, as a narrow read must return it. */
function pick<K extends keyof Job>(job: Job, keys: readonly K[]): Pick<Job, K> {
  return Object.fromEntries(keys.map((key) => [key, job[key]])) as Pick<Job, K>;
}

describeEachDatabase("the scheduler's narrow job reads", (getDb) => {
  it("getDispatchJobs and getJobFollowUps return exactly their fields of the stored jobs, and nothing for unknown ids", async () => {
    const { job: a } = await seedJob(getDb(), { glueType: "SHELL", glueSource: "echo 'a'", routeStrategy: "SHARDING_BROADCAST", childJobIds: [7, 8], retry: { count: 2, backoff: "EXPONENTIAL", intervalMs: 1_000, maxIntervalMs: 8_000 } });
    const { job: b } = await seedJob(getDb(), { param: "p,\"q\"", timeoutSeconds: 30, concurrency: 4 });

    const dispatch = new Map((await getDispatchJobs(getDb(), [a.id, b.id, 999_999])).map((job) => [job.id, job]));
    const dispatchKeys = ["id", "groupId", "state", "handler", "param", "routeStrategy", "blockStrategy", "concurrency", "timeoutSeconds", "glueType", "glueUpdateTime", "glueSource", "retry"] as const;
    expect(dispatch.size).toBe(2);
    expect(dispatch.get(a.id)).toEqual(pick(a, dispatchKeys));
    expect(dispatch.get(b.id)).toEqual(pick(b, dispatchKeys));

    const followUps = new Map((await getJobFollowUps(getDb(), [a.id, 999_999])).map((job) => [job.id, job]));
    expect([...followUps.values()]).toEqual([pick(a, ["id", "scheduleType", "scheduleConf", "retry", "childJobIds"] as const)]);
  });

  it("claimDueJobs returns the planning fields of due RUNNING jobs only, earliest first", async () => {
    const { job: late } = await seedJob(getDb(), { scheduleType: "FIX_RATE", scheduleConf: "5", timeZone: "Asia/Tokyo", misfireStrategy: "DO_NOTHING" });
    const { job: early } = await seedJob(getDb(), { scheduleType: "CRON", scheduleConf: "0 * * * * ?" });
    const { job: notDue } = await seedJob(getDb());
    const { job: stopped } = await seedJob(getDb());
    await setJobSchedule(getDb(), late.id, { state: "RUNNING", nextFireTime: 9_000_000_002_000, lastFireTime: 9_000_000_001_000 }, 1);
    await setJobSchedule(getDb(), early.id, { state: "RUNNING", nextFireTime: 9_000_000_001_000, lastFireTime: 0 }, 1);
    await setJobSchedule(getDb(), notDue.id, { state: "RUNNING", nextFireTime: 9_000_000_100_000, lastFireTime: 0 }, 1);
    await setJobSchedule(getDb(), stopped.id, { state: "STOPPED", nextFireTime: 9_000_000_001_500, lastFireTime: 0 }, 1);

    const claimed = (await inTransaction(getDb(), (trx) => claimDueJobs(trx, 9_000_000_050_000, 100))).filter((job) => [late.id, early.id, notDue.id, stopped.id].includes(job.id));
    const planningKeys = ["id", "scheduleType", "scheduleConf", "timeZone", "misfireStrategy", "nextFireTime", "lastFireTime"] as const;
    const stored = async (id: number): Promise<Job> => (await getJob(getDb(), id)) as Job;
    expect(claimed).toEqual([pick(await stored(early.id), planningKeys), pick(await stored(late.id), planningKeys)]);
  });
});
