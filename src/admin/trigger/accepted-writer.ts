import type { Kysely } from "kysely";
import { markRunsTriggered, type Database, type TriggerOutcome } from "../persistence/index.js";
import { TurnBatcher } from "./turn-batcher.js";

interface Result {
  readonly runId: number;
  readonly outcome: TriggerOutcome;
  readonly now: number;
}

/** Results written per statement at most. */
const MAX_BATCH = 500;

/**
 * Writes trigger results in batches, one set-based UPDATE each. Executors answer `Run` calls one by one, and one
 * autocommitted UPDATE per answer costs a statement and a durable commit (a log flush) each — the most expensive
 * thing the trigger path does under a burst. The answers that arrive within the same turn of the event loop go
 * into one statement; each caller's promise settles when its own write has committed.
 */
export class AcceptedWriter {
  private readonly batcher: TurnBatcher<Result, void>;

  constructor(db: Kysely<Database>) {
    this.batcher = new TurnBatcher<Result, void>(async (batch) => {
      // Every row gets the batch's latest time as its update time.
      const now = Math.max(...batch.map((item) => item.now));
      await markRunsTriggered(
        db,
        batch.map((item) => ({ id: item.runId, outcome: item.outcome })),
        now,
      );
      return batch.map(() => undefined);
    }, MAX_BATCH);
  }

  write(runId: number, outcome: TriggerOutcome, now: number): Promise<void> {
    return this.batcher.submit({ runId, outcome, now });
  }
}
