import type { ServiceImpl } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { RunService } from "../../../gen/jobwire/v1/run_service_pb.js";
import { RunState } from "../../../gen/jobwire/v1/run_pb.js";
import type { UserPrincipal } from "../../auth/principal.js";
import type { AdminContext } from "../../context.js";
import { RUN_STATES, type Run } from "../../domain/index.js";
import { InvalidArgumentError, NotFoundError } from "../../errors.js";
import { getRun, listRuns } from "../../persistence/index.js";
import { fromProtoEnum } from "../convert/enums.js";
import { runToProto } from "../convert/run.js";
import { decodePageToken, nextPageToken, resolvePageSize, withCursor } from "../paging.js";
import { assertGroupAccess, requireUser } from "../principal-guards.js";
import { Collections, parseName, parseOptionalName } from "../resource-names.js";
import { clearRuns } from "./run-clear.js";
import { killRun } from "./run-kill.js";
import { tailRunLog } from "./run-log-tail.js";

/** Console service for runs. Normal users reach only runs of their permitted groups (others are NOT_FOUND). */
export function createRunService(app: AdminContext): ServiceImpl<typeof RunService> {
  const load = async (user: UserPrincipal, name: string): Promise<Run> => {
    const run = await getRun(app.db, parseName("name", name, Collections.run));
    if (run === undefined) throw new NotFoundError(name);
    assertGroupAccess(user, run.groupId, name);
    return run;
  };

  return {
    async getRun(req, ctx) {
      const run = await load(requireUser(ctx), req.name);
      return { run: runToProto(run) };
    },

    async listRuns(req, ctx) {
      const user = requireUser(ctx);
      const groupId = parseOptionalName("executor_group", req.executorGroup, Collections.executorGroup);
      const jobId = parseOptionalName("job", req.job, Collections.job);
      if (groupId !== undefined) assertGroupAccess(user, groupId, req.executorGroup);
      const startMs = req.startTime === undefined ? undefined : timestampMs(req.startTime);
      const endMs = req.endTime === undefined ? undefined : timestampMs(req.endTime);
      if (startMs !== undefined && endMs !== undefined && endMs <= startMs) throw new InvalidArgumentError("end_time", "must be after start_time");
      const groupIds = groupId !== undefined ? [groupId] : user.role === "ADMIN" ? undefined : [...user.permittedGroupIds];
      const filter = {
        ...(groupIds === undefined ? {} : { groupIds }),
        ...(jobId === undefined ? {} : { jobId }),
        ...(req.states.length === 0 ? {} : { states: req.states.map((s, i) => fromProtoEnum(RunState, s, RUN_STATES, `states[${i}]`)) }),
        ...(startMs === undefined ? {} : { triggerTimeFrom: startMs }),
        // end_time is exclusive; the repository's bound is inclusive.
        ...(endMs === undefined ? {} : { triggerTimeTo: endMs - 1 }),
      };
      const limit = resolvePageSize(req.pageSize, 50, 500);
      const page = await listRuns(app.db, filter, withCursor(limit, decodePageToken(req.pageToken, filter)));
      return {
        runs: page.items.map(runToProto),
        nextPageToken: nextPageToken(page.nextCursor, filter),
      };
    },

    async killRun(req, ctx) {
      const user = requireUser(ctx);
      const run = await load(user, req.name);
      return { run: runToProto(await killRun(app, user, run, req.name)) };
    },

    async *tailRunLog(req, ctx) {
      const run = await load(requireUser(ctx), req.name);
      yield* tailRunLog(app, run, req, ctx);
    },

    async clearRuns(req, ctx) {
      const user = requireUser(ctx);
      return { deletedCount: BigInt(await clearRuns(app, user, req)) };
    },
  };
}
