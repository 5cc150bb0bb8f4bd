import type { RunCall } from "../../../src/admin/trigger/run-request-codec.js";
import { newRunId } from "../../executor/harness.js";

/** A plain BEAN run of job 1 with a fresh run id, triggered now, with `overrides` applied. */
export function runCall(overrides: Partial<RunCall> = {}): RunCall {
  const now = Date.now();
  return {
    jobId: 1,
    runId: Number(newRunId()),
    handler: "echo",
    param: "",
    blockStrategy: "SERIAL",
    concurrency: 1,
    timeoutMs: 0,
    glueType: "BEAN",
    glueUpdateTime: 0,
    glueSource: "",
    shardIndex: 0,
    shardTotal: 1,
    scheduledTime: now,
    triggerTime: now,
    attempt: 0,
    ...overrides,
  };
}
