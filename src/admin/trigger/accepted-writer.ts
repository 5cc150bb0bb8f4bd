import type { Kysely } from "kysely";
import { markRunsTriggered, type Database, type TriggerOutcome } from "../persistence/index.js";

interface Pending {
  readonly runId: number;
  readonly outcome: TriggerOutcome;
  readonly now: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Results written per transaction at most. */
const MAX_BATCH = 500;

/**
 * Writes accepted trigger results in batches, one set-based UPDATE each. Executors answer `Run` calls one by one,
 * and one autocommitted UPDATE per answer costs a statement and a durable commit (a log flush) each — the most
 * expensive thing the trigger path does under a burst. Gathering the answers that arrive within the same turn of
 * the event loop into one statement turns hundreds of round trips and commits into a few, without delaying any
 * write by more than that turn. Each caller's promise settles when its own write has committed.
 */
export class AcceptedWriter {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Kysely<Database>) {}

  write(runId: number, outcome: TriggerOutcome, now: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ runId, outcome, now, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        // One set-based UPDATE for the batch; every row gets the batch's latest time as its update time.
        const now = Math.max(...batch.map((item) => item.now));
        await markRunsTriggered(this.db, batch.map((item) => ({ id: item.runId, outcome: item.outcome })), now);
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
  }
}
