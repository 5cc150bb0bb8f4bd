import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  BeatResponseSchema,
  IdleBeatResponseSchema,
  KillResponseSchema,
  RunBatchResponseSchema,
  RunBatchResultSchema,
  RunResponseSchema,
  type ExecutorService,
  type RunRequest,
  type RunResponse,
} from "../gen/jobwire/v1/executor_service_pb.js";
import { SDK_VERSION } from "../shared/version.js";
import type { GlueHandlers } from "./glue-handlers.js";
import type { HandlerRegistry } from "./handler-registry.js";
import type { JobQueues } from "./job-queues.js";
import { MAX_HOLD_MS } from "./held-runs.js";
import { streamRunLog } from "./log-stream.js";
import { toRunSpec, toSafeId } from "./proto-convert.js";
import { RunRefusal, type RegisteredHandler, type RunRefusalKind, type RunSpec } from "./run-spec.js";

export interface ExecutorServiceDeps {
  readonly appName: string;
  readonly glueEnabled: boolean;
  readonly logDir: string;
  readonly handlers: HandlerRegistry;
  readonly glue: GlueHandlers;
  readonly queues: JobQueues;
}

/** One gRPC status per refusal, so that the admin's trigger report tells exactly why a run was not taken. */
const REFUSAL_CODES: Readonly<Record<RunRefusalKind, Code>> = {
  duplicate: Code.AlreadyExists,
  busy: Code.FailedPrecondition,
  stopping: Code.Unavailable,
};

/** Runs per `RunBatch` call at most, as the contract states. */
const MAX_RUN_BATCH = 1_000;

/** The executor's `ExecutorService`: what the admin calls to trigger, kill, probe and tail runs. */
export function createExecutorService(deps: ExecutorServiceDeps): ServiceImpl<typeof ExecutorService> {
  const accept = (req: RunRequest): RunResponse => {
    const spec = toRunSpec(req, Date.now());
    const handler = resolveHandler(spec, deps);
    const startAt = req.startTime === undefined ? undefined : timestampMs(req.startTime);
    if (startAt !== undefined && deps.queues.holdMs(startAt) > MAX_HOLD_MS) {
      throw new ConnectError(`start_time: ${new Date(startAt).toISOString()} is more than ${MAX_HOLD_MS / 1000} s ahead of the admin's clock as this executor sees it`, Code.InvalidArgument);
    }
    try {
      return create(RunResponseSchema, { queuedAhead: deps.queues.submit(spec, handler, startAt) });
    } catch (error) {
      if (error instanceof RunRefusal) throw new ConnectError(error.message, REFUSAL_CODES[error.kind]);
      throw error;
    }
  };
  return {
    run(req) {
      return accept(req);
    },

    runBatch(req) {
      if (req.runs.length > MAX_RUN_BATCH) throw new ConnectError(`runs: at most ${MAX_RUN_BATCH} runs per call, got ${req.runs.length}`, Code.InvalidArgument);
      // Each run is accepted or refused on its own, in request order (the order `Run` calls would have had).
      const results = req.runs.map((run) => {
        try {
          return create(RunBatchResultSchema, { runId: run.runId, queuedAhead: accept(run).queuedAhead });
        } catch (error) {
          const refusal = ConnectError.from(error);
          return create(RunBatchResultSchema, { runId: run.runId, code: refusal.code, message: refusal.rawMessage });
        }
      });
      return create(RunBatchResponseSchema, { results });
    },

    kill(req) {
      const reason = req.reason.trim() === "" ? "killed by the admin" : `killed by the admin: ${req.reason}`;
      const target = req.target;
      let killed: number[];
      switch (target.case) {
        case "runId":
          killed = deps.queues.killRun(toSafeId("run_id", target.value), reason);
          break;
        case "jobId":
          killed = deps.queues.killJob(toSafeId("job_id", target.value), reason);
          break;
        default:
          throw new ConnectError("target: set run_id or job_id", Code.InvalidArgument);
      }
      return create(KillResponseSchema, { killedRunIds: killed.map(BigInt) });
    },

    idleBeat(req) {
      return create(IdleBeatResponseSchema, deps.queues.jobLoad(toSafeId("job_id", req.jobId)));
    },

    beat() {
      return create(BeatResponseSchema, { sdkVersion: SDK_VERSION, runningRunIds: deps.queues.activeRunIds().map(BigInt) });
    },

    log(req, ctx) {
      return streamRunLog(req, ctx, { logDir: deps.logDir, isActive: (runId) => deps.queues.isActive(runId) });
    },
  };
}

/** The handler of a run: a registered one for BEAN, a script handler for GLUE types (when GLUE is enabled). */
function resolveHandler(spec: RunSpec, deps: ExecutorServiceDeps): RegisteredHandler {
  const type = spec.glueType;
  if (type === "BEAN") {
    const handler = deps.handlers.get(spec.handlerName);
    if (handler === undefined) throw new ConnectError(`handler "${spec.handlerName}" is not registered in executor ${deps.appName}`, Code.NotFound);
    return handler;
  }
  // Checked before anything else about the script: a disabled executor says so whatever the request holds.
  if (!deps.glueEnabled) {
    throw new ConnectError(
      `GLUE is disabled on executor ${deps.appName}: it refuses ${type} scripts from the admin; start it with glueEnabled: true to allow them, or use a BEAN handler`,
      Code.FailedPrecondition,
    );
  }
  if (spec.glueSource.trim() === "") throw new ConnectError(`glue_source: required for GLUE type ${type}: the script to run`, Code.InvalidArgument);
  return deps.glue.handlerFor(spec, type);
}
