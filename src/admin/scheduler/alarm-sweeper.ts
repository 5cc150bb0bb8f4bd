import type { Kysely } from "kysely";
import { alarmKindOfRun, buildAlarmEvent, type AlarmDispatcher } from "../alarm/index.js";
import { getGroup, getJob, listAlarmDueRuns, setRunAlarmState, type Database } from "../persistence/index.js";
import type { Logger } from "../../shared/logger.js";

export interface AlarmSweeperDeps {
  readonly db: Kysely<Database>;
  readonly now: () => number;
  readonly dispatcher: AlarmDispatcher;
  readonly logger: Logger;
  /** Base URL of the console, put in alarm messages when set. */
  readonly publicUrl: string | null;
}

/** Alarms claimed per sweep. */
const SWEEP_LIMIT = 100;

/**
 * Sends the alarms of failed runs that will not be retried (the run finisher leaves exactly those at alarm
 * state NONE, so one exhausted fire alarms once). Each alarm is claimed NONE → CLAIMED with a conditional update
 * first, so when several admins sweep at once only one sends it; the outcome is then SENT, FAILED (some target
 * could not be reached, logged with the reason) or SKIPPED (the job has no alarm target). Because the pending
 * alarm is a column of the run written with its final state, an admin crash cannot lose it; a crash between
 * claim and send leaves it CLAIMED (at most one alarm lost rather than sent twice).
 */
export async function sweepAlarms(deps: AlarmSweeperDeps): Promise<number> {
  const { db, now, dispatcher, logger } = deps;
  let sent = 0;
  for (const run of await listAlarmDueRuns(db, SWEEP_LIMIT)) {
    if (!(await setRunAlarmState(db, run.id, "NONE", "CLAIMED", now()))) continue;
    const job = await getJob(db, run.jobId);
    const group = job === undefined ? undefined : await getGroup(db, job.groupId);
    const kind = alarmKindOfRun(run);
    if (job === undefined || group === undefined || kind === null) {
      await setRunAlarmState(db, run.id, "CLAIMED", "SKIPPED", now());
      continue;
    }
    const summary = await dispatcher.dispatch(buildAlarmEvent(job, run, group, kind, { consoleUrl: deps.publicUrl, now: now() }), job.alarm);
    const outcome = summary.attempted === 0 ? "SKIPPED" : summary.failures.length === 0 ? "SENT" : "FAILED";
    await setRunAlarmState(db, run.id, "CLAIMED", outcome, now());
    if (outcome === "FAILED") {
      logger.warn("alarm not delivered to every target", { run: run.id, job: job.id, failures: summary.failures.map((f) => f.error) });
    }
    if (outcome !== "SKIPPED") sent++;
  }
  return sent;
}
