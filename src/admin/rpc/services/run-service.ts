import type { ServiceImpl } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { RunService } from "../../../gen/jobwire/v1/run_service_pb.js";
import { RunState } from "../../../gen/jobwire/v1/run_pb.js";
import type { AdminContext } from "../../context.js";
import { RUN_STATES } from "../../domain/index.js";
import { NotFoundError } from "../../errors.js";
import { getRun, listRuns } from "../../persistence/index.js";
import { fromProtoEnum } from "../convert/enums.js";
import { runToProto } from "../convert/run.js";
import { decodePageToken, encodePageToken, resolvePageSize, withCursor } from "../paging.js";
import { assertGroupAccess, requireUser } from "../principal-guards.js";
import { Collections, parseName, parseOptionalName } from "../resource-names.js";

/** Console service for runs. Normal users reach only runs of their permitted groups. */
export function createRunService(app: AdminContext): Partial<ServiceImpl<typeof RunService>> {
  return {
    async getRun(req, ctx) {
      const user = requireUser(ctx);
      const run = await getRun(app.db, parseName("name", req.name, Collections.run));
      if (run === undefined) throw new NotFoundError(req.name);
      assertGroupAccess(user, run.groupId, req.name);
      return { run: runToProto(run) };
    },

    async listRuns(req, ctx) {
      const user = requireUser(ctx);
      const groupId = parseOptionalName("executor_group", req.executorGroup, Collections.executorGroup);
      const jobId = parseOptionalName("job", req.job, Collections.job);
      if (groupId !== undefined) assertGroupAccess(user, groupId, req.executorGroup);
      const groupIds = groupId !== undefined ? [groupId] : user.role === "ADMIN" ? undefined : [...user.permittedGroupIds];
      const filter = {
        ...(groupIds === undefined ? {} : { groupIds }),
        ...(jobId === undefined ? {} : { jobId }),
        ...(req.states.length === 0 ? {} : { states: req.states.map((s, i) => fromProtoEnum(RunState, s, RUN_STATES, `states[${i}]`)) }),
        ...(req.startTime === undefined ? {} : { triggerTimeFrom: timestampMs(req.startTime) }),
        ...(req.endTime === undefined ? {} : { triggerTimeTo: timestampMs(req.endTime) }),
      };
      const limit = resolvePageSize(req.pageSize, 50, 500);
      const page = await listRuns(app.db, filter, withCursor(limit, decodePageToken(req.pageToken, filter)));
      return {
        runs: page.items.map(runToProto),
        nextPageToken: page.nextCursor === undefined ? "" : encodePageToken(page.nextCursor, filter),
      };
    },
  };
}
