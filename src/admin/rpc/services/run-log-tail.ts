import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { LogRequestSchema } from "../../../gen/jobwire/v1/executor_service_pb.js";
import { TailRunLogResponseSchema, type TailRunLogRequest, type TailRunLogResponse } from "../../../gen/jobwire/v1/run_service_pb.js";
import type { AdminContext } from "../../context.js";
import type { Run } from "../../domain/index.js";
import { FailedPreconditionError, InvalidArgumentError } from "../../errors.js";
import { getGroup } from "../../persistence/index.js";
import { ExecutorClients } from "../../trigger/executor-clients.js";

/**
 * Streams a run's log through the admin: the admin calls the `Log` stream of the executor that holds the run
 * (with the group's credentials, which the console user never sees) and forwards each chunk. With `follow` the
 * executor keeps the stream open until the run has ended there and every line was sent, or until the console
 * client cancels, which cancels the executor call too (the call shares the handler's abort signal).
 */
export async function* tailRunLog(app: AdminContext, run: Run, req: TailRunLogRequest, ctx: HandlerContext): AsyncGenerator<TailRunLogResponse> {
  if (req.fromLine < 0) throw new InvalidArgumentError("from_line", "must not be negative");
  if (run.executorAddress === "" && run.state === "PENDING") {
    throw new FailedPreconditionError(`${req.name} is still PENDING: no executor has accepted it yet, so there is no log yet; try again in a moment`);
  }
  if (run.executorAddress === "") {
    throw new FailedPreconditionError(`${req.name} never reached an executor (trigger ${run.triggerState}), so it has no log; see its trigger report`);
  }
  const group = await getGroup(app.db, run.groupId);
  if (group === undefined) throw new FailedPreconditionError(`the executor group of ${req.name} no longer exists, so its executor cannot be asked for the log`);
  const { headers, timeoutMs } = ExecutorClients.callOptions(group, app.options.triggerTimeoutMs);
  const request = create(LogRequestSchema, { runId: BigInt(run.id), triggerTime: timestampFromMs(run.triggerTime), fromLine: req.fromLine, follow: req.follow });
  // A followed log may legitimately stay open for as long as the run lasts: only a one-shot read gets a deadline.
  const options = req.follow ? { headers, signal: ctx.signal } : { headers, signal: ctx.signal, timeoutMs };
  try {
    for await (const chunk of app.executors.get(run.executorAddress).log(request, options)) {
      yield create(TailRunLogResponseSchema, { fromLine: chunk.fromLine, toLine: chunk.toLine, lines: chunk.lines, end: chunk.end });
      if (chunk.end) return;
    }
  } catch (error) {
    throw executorLogError(error, run, req.name, ctx);
  }
}

/**
 * Turns a failure of the executor's Log call into an error that tells the console user what happened. UNAVAILABLE
 * has no domain error class (only this proxy produces it), so the ConnectError is built here.
 */
function executorLogError(error: unknown, run: Run, name: string, ctx: HandlerContext): unknown {
  // The console client went away (or its deadline passed): nothing to explain to anyone.
  if (ctx.signal.aborted) return error;
  if (!(error instanceof ConnectError)) return error;
  if (error.code === Code.NotFound) {
    return new ConnectError(`executor ${run.executorAddress} has no log of ${name}; its log retention may have removed it`, Code.NotFound);
  }
  return new ConnectError(
    `cannot read the log of ${name}: executor ${run.executorAddress} that ran it is not reachable or refused the call (${Code[error.code]}: ${error.rawMessage}); the log lives on that executor only`,
    Code.Unavailable,
  );
}
