import type { Kysely } from "kysely";
import type { Run } from "../domain/index.js";
import {
  deleteRegistryEntriesBefore,
  getGroup,
  listOverdueRuns,
  listRegistryEntries,
  listRunningRuns,
  listStalePendingRuns,
  setMissedBeats,
  type Database,
} from "../persistence/index.js";
import type { ExecutorClients } from "../trigger/executor-clients.js";
import type { Logger } from "../../shared/logger.js";
import type { RunFinisher } from "./run-finisher.js";

export interface RunMonitorOptions {
  readonly beatIntervalMs: number;
  readonly deadTimeoutMs: number;
  readonly triggerTimeoutMs: number;
}

export interface RunMonitorDeps {
  readonly db: Kysely<Database>;
  readonly now: () => number;
  readonly finisher: RunFinisher;
  readonly executors: ExecutorClients;
  readonly logger: Logger;
  readonly options: RunMonitorOptions;
}

/** Runs read per sweep query; a larger backlog is handled over the following sweeps. */
const SWEEP_LIMIT = 1_000;
/** Beats that may miss a RUNNING run before it is lost. */
const LOST_AFTER_MISSED_BEATS = 2;

/**
 * Watches RUNNING and PENDING runs so that none waits forever (XXL-JOB leaves such runs "running" for ten
 * minutes, or for ever when the admin restarted):
 * - a run past its deadline (timeout + grace) is TIMED_OUT and its executor is told to kill it, even if that
 *   executor is gone;
 * - a run absent from two consecutive beats of its executor, or whose executor stopped beating for two beat
 *   intervals, is LOST;
 * - a run left PENDING by an admin that stopped while dispatching it is FAILED.
 * Each goes through the run finisher, so it retries or alarms like any failure; the finisher's conditional
 * update makes it harmless for several admins to sweep at once.
 */
export class RunMonitor {
  constructor(private readonly deps: RunMonitorDeps) {}

  /** One sweep over timed-out, lost and stale runs; old registry rows are deleted too. */
  async sweep(): Promise<void> {
    await this.sweepTimeouts();
    await this.sweepStalePending();
    await this.sweepSilentExecutors();
    // Registry rows of executors dead for a day are kept only for the console's "last seen"; then they go.
    await deleteRegistryEntriesBefore(this.deps.db, this.deps.now() - 24 * 3600_000);
  }

  /**
   * Applies one executor beat: RUNNING runs accepted there that the beat lists are reset, the others count a
   * missed beat, and at two in a row they are lost. Runs accepted within the last beat interval are left alone,
   * since the beat may have been built before they were accepted.
   */
  async onBeat(address: string, runningRunIds: ReadonlySet<number>): Promise<void> {
    const { db, now, options } = this.deps;
    const runs = await listRunningRuns(db, { address, triggeredBefore: now() - options.beatIntervalMs }, SWEEP_LIMIT);
    const listedWithMisses = runs.filter((run) => runningRunIds.has(run.id) && run.missedBeats > 0).map((run) => run.id);
    await setMissedBeats(db, listedWithMisses, 0);
    const missing = runs.filter((run) => !runningRunIds.has(run.id));
    const lost = missing.filter((run) => run.missedBeats + 1 >= LOST_AFTER_MISSED_BEATS);
    const byCount = new Map<number, number[]>();
    for (const run of missing) {
      if (run.missedBeats + 1 >= LOST_AFTER_MISSED_BEATS) continue;
      byCount.set(run.missedBeats + 1, [...(byCount.get(run.missedBeats + 1) ?? []), run.id]);
    }
    for (const [count, ids] of byCount) await setMissedBeats(db, ids, count);
    await this.lose(lost, (run) => `lost: executor ${run.executorAddress} no longer reports this run (absent from ${LOST_AFTER_MISSED_BEATS} beats); it may have restarted`);
  }

  private async sweepTimeouts(): Promise<void> {
    const { db, now, finisher, logger } = this.deps;
    for (const run of await listOverdueRuns(db, now(), SWEEP_LIMIT)) {
      const message = `timed out: no result by the deadline (job timeout plus grace) at ${new Date(run.deadlineTime).toISOString()}; the admin asked the executor to kill it`;
      if (!(await finisher.finishOne(run, { state: "TIMED_OUT", message, retryable: true }))) continue;
      logger.warn("run timed out", { run: run.id, job: run.jobId, executor: run.executorAddress });
      // Best effort: the executor may be gone, which is exactly when the admin-side timeout matters.
      void this.kill(run, "timed out (admin deadline)");
    }
  }

  private async sweepStalePending(): Promise<void> {
    const { db, now, finisher, options } = this.deps;
    // Well past the trigger deadline: the admin that created the run is certainly no longer dispatching it.
    const before = now() - options.triggerTimeoutMs - 60_000;
    for (const run of await listStalePendingRuns(db, before, SWEEP_LIMIT)) {
      await finisher.finishOne(run, { state: "FAILED", message: "trigger failed: the admin dispatching this run stopped before the executor answered", retryable: true });
    }
  }

  private async sweepSilentExecutors(): Promise<void> {
    const { db, now, options } = this.deps;
    const silentFor = options.beatIntervalMs * LOST_AFTER_MISSED_BEATS + options.triggerTimeoutMs;
    const at = now();
    const runs = await listRunningRuns(db, { triggeredBefore: at - silentFor }, SWEEP_LIMIT);
    if (runs.length === 0) return;
    const addresses = [...new Set(runs.map((run) => run.executorAddress))];
    const lastBeat = new Map<string, number>();
    for (const entry of await listRegistryEntries(db, { addresses })) {
      lastBeat.set(entry.address, Math.max(lastBeat.get(entry.address) ?? 0, entry.lastBeatTime));
    }
    const silent: Run[] = [];
    const autoGroup = new Map<number, boolean>();
    for (const run of runs) {
      if (!autoGroup.has(run.groupId)) autoGroup.set(run.groupId, (await getGroup(db, run.groupId))?.addressType !== "MANUAL");
      const beat = lastBeat.get(run.executorAddress);
      // Executors of MANUAL groups may never register; for them only the timeout applies.
      if (beat === undefined && autoGroup.get(run.groupId) !== true) continue;
      if (beat === undefined || beat < at - silentFor) silent.push(run);
    }
    await this.lose(silent, (run) => `lost: executor ${run.executorAddress} stopped beating (no beat for ${Math.round(silentFor / 1000)} s)`);
  }

  private async lose(runs: readonly Run[], message: (run: Run) => string): Promise<void> {
    for (const run of runs) {
      if (await this.deps.finisher.finishOne(run, { state: "LOST", message: message(run), retryable: true })) {
        this.deps.logger.warn("run lost", { run: run.id, job: run.jobId, executor: run.executorAddress });
      }
    }
  }

  private async kill(run: Run, reason: string): Promise<void> {
    try {
      const group = await getGroup(this.deps.db, run.groupId);
      if (group === undefined || run.executorAddress === "") return;
      await this.deps.executors.killRun(run.executorAddress, group, this.deps.options.triggerTimeoutMs, run.id, reason);
    } catch (error) {
      this.deps.logger.info("kill after timeout not delivered", { run: run.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
