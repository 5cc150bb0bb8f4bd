import { create } from "@bufbuild/protobuf";
import { UserRole, UserSchema, type User as ProtoUser } from "../../../gen/jobwire/v1/user_pb.js";
import type { User } from "../../domain/index.js";
import { Collections, formatName } from "../resource-names.js";
import { toProtoEnum } from "./enums.js";
import { toTimestamp } from "./time.js";

export function userToProto(user: User): ProtoUser {
  return create(UserSchema, {
    name: formatName(Collections.user, user.id),
    username: user.username,
    role: toProtoEnum(UserRole, user.role),
    permittedExecutorGroups: user.permittedGroupIds.map((id) => formatName(Collections.executorGroup, id)),
    disabled: user.disabled,
    createTime: toTimestamp(user.createTime),
    updateTime: toTimestamp(user.updateTime),
  });
}
