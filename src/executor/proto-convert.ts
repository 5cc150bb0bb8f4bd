import { create } from "@bufbuild/protobuf";
import { durationMs, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { RunResultSchema, type RunResult } from "../gen/jobwire/v1/admin_service_pb.js";
import type { RunRequest } from "../gen/jobwire/v1/executor_service_pb.js";
import { BlockStrategy as ProtoBlockStrategy, GlueType as ProtoGlueType } from "../gen/jobwire/v1/job_pb.js";
import { RunState } from "../gen/jobwire/v1/run_pb.js";
import type { RunResultRecord } from "./run-result.js";
import type { RunSpec } from "./run-spec.js";
import type { BlockStrategy, GlueType, RunOutcomeState } from "./types.js";

/*
 * The only place where generated proto types meet the executor's own types. Everything behind it works with
 * numbers and string unions, so the public API never leaks a proto type and a contract change is handled here.
 */

const BLOCK_STRATEGIES: ReadonlyMap<ProtoBlockStrategy, BlockStrategy> = new Map([
  [ProtoBlockStrategy.UNSPECIFIED, "SERIAL"],
  [ProtoBlockStrategy.SERIAL, "SERIAL"],
  [ProtoBlockStrategy.DISCARD_LATER, "DISCARD_LATER"],
  [ProtoBlockStrategy.COVER_EARLY, "COVER_EARLY"],
  [ProtoBlockStrategy.CONCURRENT, "CONCURRENT"],
]);

const GLUE_TYPES: ReadonlyMap<ProtoGlueType, GlueType> = new Map([
  [ProtoGlueType.UNSPECIFIED, "BEAN"],
  [ProtoGlueType.BEAN, "BEAN"],
  [ProtoGlueType.SHELL, "SHELL"],
  [ProtoGlueType.PYTHON, "PYTHON"],
  [ProtoGlueType.NODEJS, "NODEJS"],
  [ProtoGlueType.PHP, "PHP"],
  [ProtoGlueType.POWERSHELL, "POWERSHELL"],
]);

/** Upper bound of CONCURRENT parallelism, so that a typo in a job cannot start thousands of handlers at once. */
export const MAX_CONCURRENCY = 1_000;

const RUN_STATES: Readonly<Record<RunOutcomeState, RunState>> = {
  SUCCEEDED: RunState.SUCCEEDED,
  FAILED: RunState.FAILED,
  TIMED_OUT: RunState.TIMED_OUT,
  KILLED: RunState.KILLED,
};

/** Converts and checks a `RunRequest`; throws INVALID_ARGUMENT naming the field. */
export function toRunSpec(req: RunRequest, now: number): RunSpec {
  const blockStrategy = BLOCK_STRATEGIES.get(req.blockStrategy);
  if (blockStrategy === undefined) throw invalid("block_strategy", `${req.blockStrategy} is not a block strategy this executor knows`);
  const glueType = GLUE_TYPES.get(req.glueType);
  if (glueType === undefined) {
    throw invalid("glue_type", `${req.glueType} is not a GLUE type this executor knows; it runs BEAN handlers and SHELL, PYTHON, NODEJS, PHP and POWERSHELL scripts (Java-only types such as Groovy do not exist here)`);
  }
  if (req.shardTotal < 0 || req.shardIndex < 0 || (req.shardTotal > 0 && req.shardIndex >= req.shardTotal)) {
    throw invalid("shard_index", `shard ${req.shardIndex} of ${req.shardTotal} is out of range`);
  }
  const timeoutMs = req.timeout === undefined ? 0 : durationMs(req.timeout);
  if (timeoutMs < 0) throw invalid("timeout", "must not be negative");
  if (req.concurrency < 0 || req.concurrency > MAX_CONCURRENCY) {
    throw invalid("concurrency", `${req.concurrency} must be from 1 to ${MAX_CONCURRENCY} (0 means 1)`);
  }
  return {
    jobId: toSafeId("job_id", req.jobId),
    runId: toSafeId("run_id", req.runId),
    handlerName: req.handler,
    param: req.param,
    blockStrategy,
    concurrency: Math.max(1, req.concurrency),
    timeoutMs,
    glueType,
    glueSource: glueType === "BEAN" ? "" : req.glueSource,
    glueUpdateTime: req.glueUpdateTime === undefined ? 0 : timestampMs(req.glueUpdateTime),
    shardIndex: req.shardIndex,
    shardTotal: Math.max(1, req.shardTotal),
    attempt: Math.max(0, req.attempt),
    triggerTime: req.triggerTime === undefined ? now : timestampMs(req.triggerTime),
    scheduledTime: req.scheduledTime === undefined ? 0 : timestampMs(req.scheduledTime),
  };
}

/** Converts an id field; ids beyond 2^53 cannot be represented exactly as numbers and are refused. */
export function toSafeId(field: string, value: bigint): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id <= 0) throw invalid(field, `${value} must be a positive integer below 2^53`);
  return id;
}

export function toRunResultMessage(record: RunResultRecord): RunResult {
  return create(RunResultSchema, {
    runId: BigInt(record.runId),
    state: RUN_STATES[record.state],
    message: record.message,
    nonRetryable: record.nonRetryable,
    ...(record.startTime === undefined ? {} : { startTime: timestampFromMs(record.startTime) }),
    endTime: timestampFromMs(record.endTime),
  });
}

function invalid(field: string, problem: string): ConnectError {
  return new ConnectError(`${field}: ${problem}`, Code.InvalidArgument);
}
