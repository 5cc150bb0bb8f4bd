import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { applyConcurrently } from "../apply-concurrently.js";
import type {
  AdminService} from "../../../gen/jobwire/v1/admin_service_pb.js";
import {
  CallbackRejectionSchema,
  CallbackResponseSchema,
  RegistryRemoveResponseSchema,
  RegistryResponseSchema,
  type CallbackRequest,
  type CallbackResponse,
} from "../../../gen/jobwire/v1/admin_service_pb.js";
import { RunState } from "../../../gen/jobwire/v1/run_pb.js";
import type { AdminContext } from "../../context.js";
import type { RunState as DomainRunState } from "../../domain/index.js";
import { InvalidArgumentError, PermissionDeniedError } from "../../errors.js";
import { isHttpUrl } from "../../jobs/job-validation.js";
import { getFinishingRuns, removeRegistryEntry, upsertRegistryEntry, type FinishingRun } from "../../persistence/index.js";
import type { RunOutcome } from "../../scheduler/run-finisher.js";
import { requireExecutor } from "../principal-guards.js";

/** The admin keeps this much of a handler's message (XXL-JOB keeps 15 000 characters too). */
export const HANDLE_MESSAGE_LIMIT = 15_000;
const MAX_RESULTS_PER_MESSAGE = 500;
/** Result batches of one `Callback` stream applied at the same time. */
const CALLBACK_BATCHES_AT_ONCE = 4;
const FINAL_FROM_EXECUTOR: ReadonlyMap<RunState, DomainRunState> = new Map([
  [RunState.SUCCEEDED, "SUCCEEDED"],
  [RunState.FAILED, "FAILED"],
  [RunState.TIMED_OUT, "TIMED_OUT"],
  [RunState.KILLED, "KILLED"],
]);

/** Executor-facing service: registration heartbeats and the result stream. */
export function createAdminService(app: AdminContext): ServiceImpl<typeof AdminService> {
  return {
    async registry(req, ctx) {
      const executor = requireExecutor(ctx);
      if (req.appName !== executor.appName) {
        throw new PermissionDeniedError(`app_name "${req.appName}" does not match the credentials of group "${executor.appName}"`);
      }
      if (!isHttpUrl(req.address)) throw new InvalidArgumentError("address", `"${req.address}" is not an http(s) URL such as "http://10.0.0.5:9999"`);
      if (req.handlerNames.length > 10_000) throw new InvalidArgumentError("handler_names", "must have at most 10 000 entries");
      const address = req.address.replace(/\/+$/, "");
      await upsertRegistryEntry(
        app.db,
        {
          appName: req.appName,
          address,
          handlerNames: req.handlerNames,
          sdkVersion: req.sdkVersion.slice(0, 64),
          runningRunIds: req.runningRunIds.map(Number),
          queueDepths: Object.fromEntries(req.queueDepths.map((d) => [String(d.jobId), d.queued])),
        },
        app.now(),
      );
      await app.monitor.onBeat(address, new Set(req.runningRunIds.map(Number)));
      return create(RegistryResponseSchema, {
        beatInterval: durationFromMs(app.options.beatIntervalMs),
        deadTimeout: durationFromMs(app.options.deadTimeoutMs),
        serverTime: timestampFromMs(app.now()),
      });
    },

    async registryRemove(req, ctx) {
      const executor = requireExecutor(ctx);
      if (req.appName !== executor.appName) {
        throw new PermissionDeniedError(`app_name "${req.appName}" does not match the credentials of group "${executor.appName}"`);
      }
      const removed = await removeRegistryEntry(app.db, req.appName, req.address.replace(/\/+$/, ""));
      return create(RegistryRemoveResponseSchema, { removed });
    },

    async *callback(requests, ctx) {
      const executor = requireExecutor(ctx);
      // Batches hold different runs (an executor sends each result once per stream), so several are applied at
      // once: the next batch's writes overlap the previous batch's commit. Each ack still follows its own commit.
      yield* applyConcurrently(requests, (batch) => applyBatch(app, executor.groupId, batch, ctx), CALLBACK_BATCHES_AT_ONCE);
    },
  };
}

/**
 * Stores a batch of results and answers with the run ids that are now durably final. The batch is applied in
 * one transaction by the run finisher, each result with a conditional update (only a PENDING or RUNNING run
 * changes), so a re-sent result changes nothing and is simply acknowledged again. The ack is produced only after
 * the transaction has committed.
 */
async function applyBatch(app: AdminContext, groupId: number, batch: CallbackRequest, ctx: HandlerContext): Promise<CallbackResponse> {
  const response = create(CallbackResponseSchema, {});
  const results = batch.results.slice(0, MAX_RESULTS_PER_MESSAGE);
  const ids = results.map((r) => Number(r.runId));
  // Runs this admin sent are known without a read; the others (sent by another admin, say) are read.
  const runs = app.trigger.sentRuns.take(ids);
  const remembered = new Set(runs.keys());
  for (const run of await getFinishingRuns(app.db, ids.filter((id) => !remembered.has(id)))) runs.set(run.id, run);
  const items: { run: FinishingRun; outcome: RunOutcome }[] = [];
  const acked: { runId: bigint; id: number }[] = [];
  const endTimes: Timestamp[] = [];
  const startLateness: number[] = [];
  const reject = (runId: bigint, reason: string): void => void response.rejections.push(create(CallbackRejectionSchema, { runId, reason }));
  for (const result of results) {
    const runId = Number(result.runId);
    const state = FINAL_FROM_EXECUTOR.get(result.state);
    if (state === undefined) {
      reject(result.runId, `state ${RunState[result.state] ?? result.state} is not a final state an executor may report`);
      continue;
    }
    const run = runs.get(runId);
    if (run === undefined) {
      reject(result.runId, `run ${runId} does not exist`);
      continue;
    }
    // A token authorizes only its own group: results for another group's runs are refused for good.
    if (run.groupId !== groupId) {
      reject(result.runId, `run ${runId} belongs to another executor group`);
      continue;
    }
    items.push({ run, outcome: { state, message: truncate(result.message, HANDLE_MESSAGE_LIMIT), retryable: !result.nonRetryable } });
    acked.push({ runId: result.runId, id: runId });
    if (result.endTime !== undefined) endTimes.push(result.endTime);
    if (result.startTime !== undefined && run.triggerType !== "PARENT") startLateness.push(timestampMs(result.startTime) - run.scheduledTime);
  }
  if (ctx.signal.aborted) return response;
  const finished = await app.finisher.finish(items);
  // A remembered run that this batch did not finish was final already (a repeated result), or it was deleted since
  // it was sent (its job was); the latter is refused, as a run never known is.
  const unconfirmed = items.filter(({ run }) => remembered.has(run.id) && !finished.has(run.id)).map(({ run }) => run.id);
  const existing = new Set((await getFinishingRuns(app.db, unconfirmed)).map((run) => run.id));
  const gone = new Set(unconfirmed.filter((id) => !existing.has(id)));
  for (const { runId, id } of acked) if (gone.has(id)) reject(runId, `run ${id} does not exist`);
  // The lag includes any clock skew between the executor's host and the admin's.
  const receivedAt = app.now();
  for (const end of endTimes) app.metrics.callbackReceived(receivedAt - timestampMs(end));
  for (const lateness of startLateness) app.metrics.runStarted(lateness);
  for (const { runId, id } of acked) if (!gone.has(id)) response.ackedRunIds.push(runId);
  return response;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}
