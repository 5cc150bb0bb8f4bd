import { create } from "@bufbuild/protobuf";
import { AddressType } from "../../../gen/jobwire/v1/executor_group_pb.js";
import { BlockStrategy, RouteStrategy } from "../../../gen/jobwire/v1/job_pb.js";
import {
  AlarmState,
  RouteProbeSchema,
  RunSchema,
  RunState,
  TriggerReportSchema,
  TriggerState,
  TriggerType,
  type Run as ProtoRun,
  type TriggerReport as ProtoTriggerReport,
} from "../../../gen/jobwire/v1/run_pb.js";
import type { Run, TriggerReport } from "../../domain/index.js";
import { Collections, formatName } from "../resource-names.js";
import { toProtoEnum } from "./enums.js";
import { toDuration, toTimestamp } from "./time.js";

export function runToProto(run: Run): ProtoRun {
  return create(RunSchema, {
    name: formatName(Collections.run, run.id),
    job: formatName(Collections.job, run.jobId),
    executorGroup: formatName(Collections.executorGroup, run.groupId),
    triggerType: toProtoEnum(TriggerType, run.triggerType),
    scheduledTime: toTimestamp(run.scheduledTime),
    triggerTime: toTimestamp(run.triggerTime),
    executorAddress: run.executorAddress,
    handler: run.handler,
    param: run.param,
    shardIndex: run.shardIndex,
    shardTotal: run.shardTotal,
    attempt: run.attempt,
    retriesLeft: run.retriesLeft,
    originRun: run.originRunId > 0 ? formatName(Collections.run, run.originRunId) : "",
    triggerState: toProtoEnum(TriggerState, run.triggerState),
    triggerReport: run.triggerReport === null ? undefined : triggerReportToProto(run.triggerReport),
    state: toProtoEnum(RunState, run.state),
    deadlineTime: toTimestamp(run.deadlineTime),
    handleTime: toTimestamp(run.handleTime),
    handleMessage: run.handleMessage,
    nonRetryable: !run.retryable,
    alarmState: toProtoEnum(AlarmState, run.alarmState),
    updateTime: toTimestamp(run.updateTime),
  });
}

export function triggerReportToProto(report: TriggerReport): ProtoTriggerReport {
  return create(TriggerReportSchema, {
    triggerType: toProtoEnum(TriggerType, report.triggerType),
    adminNode: report.adminNode,
    routeStrategy: toProtoEnum(RouteStrategy, report.routeStrategy),
    addressType: toProtoEnum(AddressType, report.addressType),
    addresses: [...report.addresses],
    chosenAddress: report.chosenAddress,
    blockStrategy: toProtoEnum(BlockStrategy, report.blockStrategy),
    timeout: toDuration(report.timeoutSeconds * 1000),
    retriesLeft: report.retriesLeft,
    probes: report.probes.map((p) => create(RouteProbeSchema, { address: p.address, ok: p.ok, message: p.message })),
    replyCode: report.replyCode,
    replyMessage: report.replyMessage,
    duration: toDuration(report.durationMs),
  });
}
