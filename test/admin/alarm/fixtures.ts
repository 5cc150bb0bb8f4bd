/** Builders of domain values and alarm events for the alarm tests; each test overrides only what it is about. */
import type { AlarmEvent } from "../../../src/admin/alarm/index.js";
import type { ExecutorGroup, Job, Run } from "../../../src/admin/domain/index.js";

export function group(overrides: Partial<ExecutorGroup> = {}): ExecutorGroup {
  return {
    id: 3,
    appName: "orders-app",
    title: "Orders service",
    addressType: "AUTO",
    manualAddresses: [],
    accessToken: "token-0123456789abcdef",
    createTime: 1_600_000_000_000,
    updateTime: 1_600_000_000_000,
    ...overrides,
  };
}

export function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 12,
    groupId: 3,
    name: "Nightly export",
    description: "Exports yesterday's orders",
    author: "alice",
    alarm: { emails: ["ops@example.com"], webhookUrls: [] },
    scheduleType: "CRON",
    scheduleConf: "0 0 2 * * ?",
    timeZone: "",
    misfireStrategy: "DO_NOTHING",
    routeStrategy: "ROUND",
    handler: "exportHandler",
    param: "--full",
    blockStrategy: "SERIAL",
    concurrency: 1,
    timeoutSeconds: 600,
    retry: { count: 0, backoff: "FIXED", intervalMs: 1_000, maxIntervalMs: 1_000 },
    glueType: "BEAN",
    glueSource: "",
    glueRemark: "",
    glueUpdateTime: 0,
    childJobIds: [],
    state: "RUNNING",
    lastFireTime: 0,
    nextFireTime: 0,
    version: 1,
    createTime: 1_600_000_000_000,
    updateTime: 1_600_000_000_000,
    ...overrides,
  };
}

/**
 * The Run type is growing while the scheduler is being written (batchId, missedBeats); the assertion keeps this
 * fixture compiling on either side of that change, and the alarm code reads none of the new fields.
 */
export function run(overrides: Partial<Run> = {}): Run {
  const base = {
    id: 345,
    jobId: 12,
    groupId: 3,
    fireId: 77,
    triggerType: "SCHEDULE",
    scheduledTime: 1_700_000_000_000,
    triggerTime: 1_700_000_000_020,
    executorAddress: "http://10.0.0.5:9999",
    handler: "exportHandler",
    param: "--full",
    shardIndex: 0,
    shardTotal: 1,
    attempt: 1,
    retriesLeft: 0,
    originRunId: 344,
    triggerState: "ACCEPTED",
    triggerReport: null,
    state: "FAILED",
    deadlineTime: 0,
    handleTime: 1_700_000_005_000,
    handleMessage: "export failed: disk full",
    retryable: true,
    alarmState: "CLAIMED",
    updateTime: 1_700_000_005_000,
    batchId: 345,
    missedBeats: 0,
  };
  return { ...base, ...overrides } as Run;
}

export function event(overrides: Partial<AlarmEvent> = {}): AlarmEvent {
  return {
    kind: "RUN_FAILED",
    jobId: 12,
    jobName: "Nightly export",
    groupAppName: "orders-app",
    groupTitle: "Orders service",
    runId: 345,
    attempt: 1,
    retriesLeft: 0,
    triggerType: "SCHEDULE",
    shardIndex: 0,
    shardTotal: 1,
    handler: "exportHandler",
    executorAddress: "http://10.0.0.5:9999",
    scheduledTime: 1_700_000_000_000,
    triggerTime: 1_700_000_000_020,
    message: "export failed: disk full",
    consoleUrl: "https://jobs.example.com",
    alarmTime: 1_700_000_006_000,
    ...overrides,
  };
}
