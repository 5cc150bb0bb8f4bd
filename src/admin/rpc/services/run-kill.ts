import { ConnectError } from "@connectrpc/connect";
import type { Kysely } from "kysely";
import type { UserPrincipal } from "../../auth/principal.js";
import { recordAudit } from "../../audit/index.js";
import type { AdminContext } from "../../context.js";
import { FINAL_RUN_STATES, type Run } from "../../domain/index.js";
import { FailedPreconditionError } from "../../errors.js";
import { getGroup, getRun, inTransaction, listUnstartedScheduledRuns, type Database } from "../../persistence/index.js";
import { RunFinisher, type RunOutcome } from "../../scheduler/run-finisher.js";
import { groupAddresses } from "../../registry/live-addresses.js";

export const KILL_RUN_ACTION = "jobwire.v1.RunService/KillRun";

/** What the executor said to the Kill call; it becomes part of the killed run's message. */
type KillDelivery =
  | { readonly kind: "not-dispatched" }
  | { readonly kind: "stopped"; readonly address: string }
  | { readonly kind: "not-there" }
  | { readonly kind: "unreachable"; readonly error: string };

/**
 * Kills one run for a console user: the executor holding it is told to abort it, then the run is made KILLED
 * (through the run finisher, so the daily report counts it and no retry follows) and the kill is audited, both in
 * one transaction. The run is marked KILLED even when the executor cannot be reached, because the user's intent
 * is to give up on it and a vanished executor is exactly when waiting for its result is pointless; the message
 * says that the handler may still be running there. A result the executor reports later changes nothing, since
 * runs are finished only once.
 */
export async function killRun(app: AdminContext, user: UserPrincipal, run: Run, resource: string): Promise<Run> {
  if (FINAL_RUN_STATES.includes(run.state)) {
    throw new FailedPreconditionError(`${resource} is already ${run.state}; only PENDING and RUNNING runs can be killed`);
  }
  const delivery = await deliverKill(app, run, `requested by ${user.username} through the console`);
  // If the executor's own KILLED report lands first, its message (with this reason) is the one kept.
  const message = killMessage(`killed by ${user.username}`, run, delivery);
  return inTransaction(app.db, async (trx) => {
    // A finisher bound to this transaction: the run's end, its report counters and the audit entry commit together.
    const finisher = new RunFinisher({ db: trx, now: app.now, reportTimeZone: app.options.timeZone, logger: app.options.logger, metrics: app.metrics });
    await finisher.finishOne(run, { state: "KILLED", message, retryable: false });
    const after = (await getRun(trx, run.id)) ?? run;
    await recordAudit(trx, user, { action: KILL_RUN_ACTION, resource, before: run, after: { ...after, executorReply: delivery.kind } }, app.now());
    return after;
  });
}

/** Runs cancelled per StopJob or DeleteJob at most; a job has a few dispatched ahead at a time (one per instant and shard). */
const CANCEL_LIMIT = 1_000;

/**
 * The runs of a job's schedule already dispatched for an instant still ahead: the scheduler sends runs ahead to be
 * held by their executors (`dispatchLeadMs` before their instant, a burst up to `maxDispatchLeadMs`), so these have
 * not started. When the job is stopped or deleted they are cancelled, and the job starts nothing more; runs already
 * started are left to finish, as stopping a job has always done.
 */
export function listHeldRuns(db: Kysely<Database>, jobId: number, now: number): Promise<Run[]> {
  return listUnstartedScheduledRuns(db, jobId, now, CANCEL_LIMIT);
}

/**
 * After a job was stopped: cancels its held runs (see `listHeldRuns`). Each executor holding one is told to drop it
 * and the run ends KILLED (no retry, no alarm). Returns how many runs this call cancelled.
 */
export async function cancelHeldRuns(app: AdminContext, user: UserPrincipal, jobId: number): Promise<number> {
  const items: { run: Run; outcome: RunOutcome }[] = [];
  for (const run of await listHeldRuns(app.db, jobId, app.now())) {
    const delivery = await deliverKill(app, run, `its job was stopped by ${user.username} before its instant`);
    items.push({ run, outcome: { state: "KILLED", message: killMessage(`cancelled because ${user.username} stopped its job`, run, delivery), retryable: false } });
  }
  // One finishing transaction for all of them.
  return (await app.finisher.finish(items)).size;
}

/** After a job and its runs were deleted: tells the executors holding its held runs (read before the delete) to drop them. */
export async function dropHeldRuns(app: AdminContext, user: UserPrincipal, runs: readonly Run[]): Promise<void> {
  for (const run of runs) await deliverKill(app, run, `its job was deleted by ${user.username} before its instant`);
}

async function deliverKill(app: AdminContext, run: Run, reason: string): Promise<KillDelivery> {
  if (run.executorAddress === "" && run.triggerState !== "PENDING") return { kind: "not-dispatched" };
  const group = await getGroup(app.db, run.groupId);
  if (group === undefined) return { kind: "unreachable", error: "its executor group no longer exists" };
  const kill = async (address: string): Promise<KillDelivery> => {
    try {
      const stopped = await app.executors.killRun(address, group, app.options.triggerTimeoutMs, run.id, reason);
      return stopped ? { kind: "stopped", address } : { kind: "not-there" };
    } catch (error) {
      return { kind: "unreachable", error: ConnectError.from(error).message };
    }
  };
  if (run.executorAddress !== "") return kill(run.executorAddress);
  // No executor recorded yet, but the trigger is still in progress: the run may be held by an executor already,
  // its acceptance not stored yet (an admin keeps it in memory until the run's result, see acceptLingerMs). Every
  // live executor of the group is told; the one holding the run stops it, the others do not have it.
  const addresses = await groupAddresses(app.db, group, app.now(), app.options.deadTimeoutMs);
  const deliveries = await Promise.all(addresses.map(kill));
  return deliveries.find((d) => d.kind === "stopped") ?? { kind: "not-dispatched" };
}

/** `what` happened (killed by whom), followed by what the executor said. */
function killMessage(who: string, run: Run, delivery: KillDelivery): string {
  switch (delivery.kind) {
    case "not-dispatched":
      return `${who} before it reached an executor`;
    case "stopped":
      return `${who}; executor ${delivery.address} stopped it`;
    case "not-there":
      return `${who}; executor ${run.executorAddress} no longer had it queued or running (it may have just ended)`;
    case "unreachable":
      return `${who}; executor ${run.executorAddress} could not be told (${delivery.error}), so the handler may still be running there`;
  }
}
