import { create } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { BlockStrategy as ProtoBlockStrategy, GlueType as ProtoGlueType } from "../../gen/jobwire/v1/job_pb.js";
import { RunBatchRequestSchema, RunRequestSchema, type RunBatchRequest, type RunRequest } from "../../gen/jobwire/v1/executor_service_pb.js";
import type { BlockStrategy, GlueType } from "../domain/index.js";
import { toProtoEnum } from "../rpc/convert/enums.js";
import { toDuration, toTimestamp } from "../rpc/convert/time.js";

/** One run as its executor is to receive it (`RunRequest`), in the admin's terms: epoch ms, domain enums. */
export interface RunCall {
  readonly jobId: number;
  readonly runId: number;
  readonly handler: string;
  readonly param: string;
  readonly blockStrategy: BlockStrategy;
  readonly concurrency: number;
  /** 0: no time limit. */
  readonly timeoutMs: number;
  readonly glueType: GlueType;
  /** 0: unset (a BEAN job has no source to version). */
  readonly glueUpdateTime: number;
  readonly glueSource: string;
  readonly shardIndex: number;
  readonly shardTotal: number;
  readonly scheduledTime: number;
  readonly triggerTime: number;
  readonly attempt: number;
}

/** The `RunRequest` of a run, to start at `startAt` (epoch ms of the admin's clock) or at once. */
export function toRunRequest(call: RunCall, startAt?: number): RunRequest {
  return create(RunRequestSchema, {
    jobId: BigInt(call.jobId),
    runId: BigInt(call.runId),
    handler: call.handler,
    param: call.param,
    blockStrategy: toProtoEnum(ProtoBlockStrategy, call.blockStrategy),
    concurrency: call.concurrency,
    timeout: toDuration(call.timeoutMs),
    glueType: toProtoEnum(ProtoGlueType, call.glueType),
    glueUpdateTime: toTimestamp(call.glueUpdateTime),
    glueSource: call.glueSource,
    shardIndex: call.shardIndex,
    shardTotal: call.shardTotal,
    scheduledTime: toTimestamp(call.scheduledTime),
    triggerTime: toTimestamp(call.triggerTime),
    attempt: call.attempt,
    startTime: startAt === undefined ? undefined : toTimestamp(startAt),
  });
}

/**
 * The `RunBatchRequest` of `runs`, its runs already encoded. protobuf-es encodes by reflection, building a
 * reflective view (with two Maps) of every message and nested Timestamp: for a burst of runs that was a tenth of
 * the admin's time and a third of what it allocated. The runs are therefore written here with the library's own
 * wire writer, field by field, and handed over as the message's unknown fields, which protobuf-es writes out as
 * they are. On the wire this is exactly what `create(RunBatchRequestSchema, { runs })` encodes to (tested byte for
 * byte); it only exists as bytes, so it is for the binary encoding of gRPC calls, not for JSON.
 */
export function encodedRunBatchRequest(runs: readonly { readonly call: RunCall; readonly startAt: number | undefined }[]): RunBatchRequest {
  const request = create(RunBatchRequestSchema);
  request.$unknown = runs.map(({ call, startAt }) => ({ no: 1, wireType: WireType.LengthDelimited, data: encodeRunRequestField(call, startAt) }));
  return request;
}

/**
 * A run as a length-delimited field value: its length, then its fields in the order and with the omissions
 * protobuf-es writes them (proto3: zero numbers, empty strings and unset messages are left out).
 */
function encodeRunRequestField(call: RunCall, startAt: number | undefined): Uint8Array {
  const writer = new BinaryWriter().fork();
  if (call.jobId !== 0) writer.tag(1, WireType.Varint).int64(call.jobId);
  if (call.runId !== 0) writer.tag(2, WireType.Varint).int64(call.runId);
  if (call.handler !== "") writer.tag(3, WireType.LengthDelimited).string(call.handler);
  if (call.param !== "") writer.tag(4, WireType.LengthDelimited).string(call.param);
  const blockStrategy = toProtoEnum(ProtoBlockStrategy, call.blockStrategy);
  if (blockStrategy !== ProtoBlockStrategy.UNSPECIFIED) writer.tag(5, WireType.Varint).int32(blockStrategy);
  if (call.concurrency !== 0) writer.tag(6, WireType.Varint).int32(call.concurrency);
  if (call.timeoutMs > 0) writeSecondsAndNanos(writer, 7, call.timeoutMs);
  const glueType = toProtoEnum(ProtoGlueType, call.glueType);
  if (glueType !== ProtoGlueType.UNSPECIFIED) writer.tag(8, WireType.Varint).int32(glueType);
  if (call.glueUpdateTime > 0) writeSecondsAndNanos(writer, 9, call.glueUpdateTime);
  if (call.glueSource !== "") writer.tag(10, WireType.LengthDelimited).string(call.glueSource);
  if (call.shardIndex !== 0) writer.tag(11, WireType.Varint).int32(call.shardIndex);
  if (call.shardTotal !== 0) writer.tag(12, WireType.Varint).int32(call.shardTotal);
  if (call.scheduledTime > 0) writeSecondsAndNanos(writer, 13, call.scheduledTime);
  if (call.triggerTime > 0) writeSecondsAndNanos(writer, 14, call.triggerTime);
  if (call.attempt !== 0) writer.tag(15, WireType.Varint).int32(call.attempt);
  if (startAt !== undefined && startAt > 0) writeSecondsAndNanos(writer, 16, startAt);
  return writer.join().finish();
}

/** A positive span or instant in ms as a `Duration` or `Timestamp` field (the two share their wire form). */
function writeSecondsAndNanos(writer: BinaryWriter, fieldNo: number, ms: number): void {
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  writer.tag(fieldNo, WireType.LengthDelimited).fork();
  if (seconds !== 0) writer.tag(1, WireType.Varint).int64(seconds);
  if (nanos !== 0) writer.tag(2, WireType.Varint).int32(nanos);
  writer.join();
}
