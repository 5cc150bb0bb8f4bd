import type { ServiceImpl } from "@connectrpc/connect";
import type { AuditService } from "../../../gen/jobwire/v1/audit_service_pb.js";
import type { AdminContext } from "../../context.js";
import { InvalidArgumentError } from "../../errors.js";
import { listAuditEntries, type AuditFilter } from "../../persistence/index.js";
import { auditEntryToProto } from "../convert/audit.js";
import { fromTimestamp } from "../convert/time.js";
import { decodePageToken, nextPageToken, resolvePageSize, withCursor } from "../paging.js";
import { requireAdmin } from "../principal-guards.js";
import { Collections, parseOptionalName } from "../resource-names.js";

const MAX_RESOURCE_PREFIX = 255;

/** The audit log, newest first, for administrators only (entries hold before/after values of every group). */
export function createAuditService(app: AdminContext): ServiceImpl<typeof AuditService> {
  return {
    async listAuditEntries(req, ctx) {
      requireAdmin(ctx);
      const actorUserId = parseOptionalName("actor", req.actor, Collections.user);
      if (req.resourcePrefix.length > MAX_RESOURCE_PREFIX) throw new InvalidArgumentError("resource_prefix", `must be at most ${MAX_RESOURCE_PREFIX} characters`);
      const start = req.startTime === undefined ? undefined : fromTimestamp(req.startTime);
      const end = req.endTime === undefined ? undefined : fromTimestamp(req.endTime);
      if (start !== undefined && end !== undefined && end <= start) throw new InvalidArgumentError("end_time", "must be after start_time");
      const filter: AuditFilter = {
        ...(actorUserId === undefined ? {} : { actorUserId }),
        ...(req.resourcePrefix === "" ? {} : { resourcePrefix: req.resourcePrefix }),
        ...(start === undefined ? {} : { timeFrom: start }),
        // The repository's bounds are inclusive; the API's end is exclusive.
        ...(end === undefined ? {} : { timeTo: end - 1 }),
      };
      const filters = { a: actorUserId ?? 0, r: req.resourcePrefix, s: start ?? null, e: end ?? null };
      const limit = resolvePageSize(req.pageSize, 50, 500);
      const page = await listAuditEntries(app.db, filter, withCursor(limit, decodePageToken(req.pageToken, filters)));
      return {
        auditEntries: page.items.map(auditEntryToProto),
        nextPageToken: nextPageToken(page.nextCursor, filters),
      };
    },
  };
}
