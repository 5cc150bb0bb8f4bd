import { create } from "@bufbuild/protobuf";
import { AuditEntrySchema, type AuditEntry as ProtoAuditEntry } from "../../../gen/jobwire/v1/audit_service_pb.js";
import type { AuditEntry } from "../../domain/index.js";
import { Collections, formatName } from "../resource-names.js";
import { toTimestamp } from "./time.js";

export function auditEntryToProto(entry: AuditEntry): ProtoAuditEntry {
  return create(AuditEntrySchema, {
    name: formatName(Collections.auditEntry, entry.id),
    time: toTimestamp(entry.time),
    // 0 is no user: a refused login under a username that does not exist.
    actor: entry.actorUserId === 0 ? "" : formatName(Collections.user, entry.actorUserId),
    actorUsername: entry.actorName,
    action: entry.action,
    resource: entry.resource,
    beforeJson: entry.before,
    afterJson: entry.after,
  });
}
