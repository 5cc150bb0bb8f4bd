import { ConnectError } from "@connectrpc/connect";
import type { UserPrincipal } from "../../auth/principal.js";
import { recordAudit } from "../../audit/index.js";
import type { AdminContext } from "../../context.js";
import { FINAL_RUN_STATES, type Run } from "../../domain/index.js";
import { FailedPreconditionError } from "../../errors.js";
import { getGroup, getRun, inTransaction } from "../../persistence/index.js";
import { RunFinisher } from "../../scheduler/run-finisher.js";
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
  const message = killMessage(user, run, delivery);
  return inTransaction(app.db, async (trx) => {
    // A finisher bound to this transaction: the run's end, its report counters and the audit entry commit together.
    const finisher = new RunFinisher({ db: trx, now: app.now, reportTimeZone: app.options.timeZone, logger: app.options.logger, metrics: app.metrics });
    await finisher.finishOne(run, { state: "KILLED", message, retryable: false });
    const after = (await getRun(trx, run.id)) ?? run;
    await recordAudit(trx, user, { action: KILL_RUN_ACTION, resource, before: run, after: { ...after, executorReply: delivery.kind } }, app.now());
    return after;
  });
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

function killMessage(user: UserPrincipal, run: Run, delivery: KillDelivery): string {
  const who = `killed by ${user.username}`;
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
