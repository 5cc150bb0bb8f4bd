import { create } from "@bufbuild/protobuf";
import { ApiKeySchema, UserRole, UserSchema, type ApiKey as ProtoApiKey, type User as ProtoUser } from "../../../gen/jobwire/v1/user_pb.js";
import type { Credential, User } from "../../domain/index.js";
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

/** `users/{user_id}/apiKeys/{key_id}`. */
export function apiKeyName(userId: number, keyId: number): string {
  return `${formatName(Collections.user, userId)}/apiKeys/${keyId}`;
}

/** An API key's metadata; the secret is never part of it (only its first characters, to recognise it). */
export function apiKeyToProto(key: Credential): ProtoApiKey {
  return create(ApiKeySchema, {
    name: apiKeyName(key.userId, key.id),
    displayName: key.name,
    secretPrefix: key.tokenPrefix,
    createTime: toTimestamp(key.createTime),
    expireTime: toTimestamp(key.expireTime),
    lastUseTime: toTimestamp(key.lastUsedTime),
  });
}
