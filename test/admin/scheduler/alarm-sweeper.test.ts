import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createConfiguredAlarmDispatcher, resolveAlarmOptions, verifyWebhookSignature, type AlarmDispatcher } from "../../../src/admin/alarm/index.js";
import { finishRun, getRun, insertGroup, insertJob, insertRun } from "../../../src/admin/persistence/index.js";
import { sweepAlarms } from "../../../src/admin/scheduler/alarm-sweeper.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { newGroup, newJob, newRun } from "../persistence/fixtures.js";

const SECRET = "alarm-test-secret-0123456789";

interface Received {
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

describeEachDatabase("alarm sweeper", (getDb) => {
  let server: Server;
  let url = "";
  let received: Received[] = [];
  let dispatcher: AlarmDispatcher;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.statusCode = req.url === "/broken" ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dispatcher = createConfiguredAlarmDispatcher(resolveAlarmOptions({ webhookSecret: SECRET }), silentLogger);
  });
  afterAll(async () => {
    await dispatcher.close();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A run of a job alarming to `webhookUrls`, finished as FAILED with its alarm due. */
  const failedRun = async (webhookUrls: string[]) => {
    const group = await insertGroup(getDb(), newGroup(), 1);
    const job = await insertJob(getDb(), newJob(group.id, { name: "nightly <export>", alarm: { emails: [], webhookUrls } }), 1);
    const run = await insertRun(getDb(), newRun(job));
    await finishRun(getDb(), run.id, { state: "FAILED", handleMessage: "disk full", handleTime: 5, retryable: true, alarmState: "NONE" });
    return { job, run };
  };
  const sweep = () => sweepAlarms({ db: getDb(), now: () => 10_000, dispatcher, logger: silentLogger, publicUrl: null });

  it("sends one signed webhook per exhausted failure, even when two admins sweep at once", async () => {
    received = [];
    const { job, run } = await failedRun([`${url}/hook`]);
    await Promise.all([sweep(), sweep()]);
    const mine = received.filter((r) => r.body.includes(`"runId":${run.id}`));
    expect(mine).toHaveLength(1);
    const [delivery] = mine;
    if (delivery === undefined) throw new Error("no delivery");
    const payload = JSON.parse(delivery.body) as { kind: string; jobId: number; jobName: string; message: string };
    expect(payload).toMatchObject({ kind: "RUN_FAILED", jobId: job.id, jobName: "nightly <export>", message: "disk full" });
    const signature = delivery.headers["x-jobwire-signature"];
    const timestamp = delivery.headers["x-jobwire-timestamp"];
    expect(typeof signature === "string" && typeof timestamp === "string" && verifyWebhookSignature(SECRET, timestamp, delivery.body, signature, 300, Number(timestamp) * 1000)).toBe(true);
    expect((await getRun(getDb(), run.id))?.alarmState).toBe("SENT");
    // A later sweep sends nothing more.
    await sweep();
    expect(received.filter((r) => r.body.includes(`"runId":${run.id}`))).toHaveLength(1);
  });

  it("records FAILED when a target refuses the alarm, and SKIPPED when the job has no target", async () => {
    const refused = await failedRun([`${url}/broken`]);
    const silent = await failedRun([]);
    await sweep();
    expect((await getRun(getDb(), refused.run.id))?.alarmState).toBe("FAILED");
    expect((await getRun(getDb(), silent.run.id))?.alarmState).toBe("SKIPPED");
  });
});
