import { create } from "@bufbuild/protobuf";
import { AddressType, ExecutorGroupSchema, type ExecutorGroup as ProtoExecutorGroup } from "../../../gen/jobwire/v1/executor_group_pb.js";
import type { ExecutorGroup } from "../../domain/index.js";
import { Collections, formatName } from "../resource-names.js";
import { toProtoEnum } from "./enums.js";
import { toTimestamp } from "./time.js";

/** Converts a group to its API form. The access token is never part of it. */
export function executorGroupToProto(group: ExecutorGroup, liveAddresses: readonly string[]): ProtoExecutorGroup {
  return create(ExecutorGroupSchema, {
    name: formatName(Collections.executorGroup, group.id),
    appName: group.appName,
    displayName: group.title,
    addressType: toProtoEnum(AddressType, group.addressType),
    manualAddresses: [...group.manualAddresses],
    addresses: group.addressType === "MANUAL" ? [...group.manualAddresses] : [...liveAddresses],
    createTime: toTimestamp(group.createTime),
    updateTime: toTimestamp(group.updateTime),
  });
}
