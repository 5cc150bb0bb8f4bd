import type { Kysely } from "kysely";
import { markRunsTriggered, type Database, type TriggerOutcome } from "../persistence/index.js";
import type { HeldAcceptances, TakenAcceptances } from "../scheduler/run-finisher.js";
import { TurnBatcher } from "./turn-batcher.js";

interface Result {
  readonly runId: number;
  readonly outcome: TriggerOutcome;
  readonly now: number;
}

interface Held extends Result {
  readonly until: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface AcceptedWriterOptions {
  /** Admin time. */
  readonly now: () => number;
  /** How long past its start instant a held run's acceptance waits for the run's result; 0 never waits. */
  readonly lingerMs: number;
}

/** Results written per statement at most. */
const MAX_BATCH = 500;
/** Held acceptances are released on a grid this coarse, so that a burst of instants shares a few timers. */
const RELEASE_GRID_MS = 20;

/**
 * Writes trigger results in batches, one set-based UPDATE each. Executors answer `Run` calls one by one, and one
 * autocommitted UPDATE per answer costs a statement and a durable commit (a log flush) each — the most expensive
 * thing the trigger path does under a burst. The answers that arrive within the same turn of the event loop go
 * into one statement; each caller's promise settles when its own write has committed.
 *
 * A run sent ahead of its instant (held by its executor until then) is accepted before it even starts, and a short
 * handler's result follows soon after the instant. Such an acceptance is held in memory until `lingerMs` past the
 * instant: when the run's result arrives first, the run finisher takes the acceptance (`take`) and writes both with
 * one UPDATE of the run instead of two. Otherwise it is written when its time is up, or at once by `flushHeld`
 * (the scheduler calls it when it stops).
 */
export class AcceptedWriter implements HeldAcceptances {
  private readonly batcher: TurnBatcher<Result, void>;
  private readonly held = new Map<number, Held>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private lingering = true;

  constructor(
    db: Kysely<Database>,
    private readonly options: AcceptedWriterOptions,
  ) {
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

  /** Acceptances held in memory, waiting for their run's result. */
  get holding(): number {
    return this.held.size;
  }

  /**
   * Stores a run's trigger result; resolves once it is durable. With `startAt` (the run is held by its executor
   * until then) the write may wait until `lingerMs` past it (or past `now`, if later), or be made together with
   * the run's result.
   */
  write(runId: number, outcome: TriggerOutcome, now: number, startAt?: number): Promise<void> {
    if (startAt === undefined || this.options.lingerMs === 0 || !this.lingering) return this.batcher.submit({ runId, outcome, now });
    // A run accepted after its instant starts on arrival: its result is due soon after the acceptance.
    const until = Math.max(startAt, now) + this.options.lingerMs;
    return new Promise<void>((resolve, reject) => {
      // A run's trigger result is recorded once; should a second arrive, the first is written now, not forgotten.
      const previous = this.held.get(runId);
      if (previous !== undefined) this.submit(previous);
      this.held.set(runId, { runId, outcome, now, until, resolve, reject });
      this.arm(until);
    });
  }

  take(runIds: readonly number[]): TakenAcceptances {
    const taken = new Map<number, Held>();
    for (const id of runIds) {
      const held = this.held.get(id);
      if (held === undefined) continue;
      this.held.delete(id);
      taken.set(id, held);
    }
    return {
      outcomes: new Map([...taken].map(([id, held]) => [id, held.outcome])),
      settle: (written) => {
        for (const [id, held] of taken) {
          if (written.has(id)) held.resolve();
          else this.submit(held);
        }
      },
    };
  }

  /** Writes every held acceptance now, and holds none from now on (until `resumeHolding`). */
  flushHeld(): void {
    this.lingering = false;
    this.release(Number.POSITIVE_INFINITY);
  }

  resumeHolding(): void {
    this.lingering = true;
  }

  private submit(held: Held): void {
    this.batcher.submit({ runId: held.runId, outcome: held.outcome, now: held.now }).then(held.resolve, held.reject);
  }

  private arm(until: number): void {
    const at = Math.ceil(until / RELEASE_GRID_MS) * RELEASE_GRID_MS;
    if (at >= this.timerAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.release(this.options.now());
    }, Math.max(0, at - this.options.now()));
  }

  /** Writes the acceptances whose time is up by `now` and re-arms the timer for the earliest one left. */
  private release(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const [id, held] of this.held) {
      if (held.until <= now) {
        this.held.delete(id);
        this.submit(held);
      } else {
        next = Math.min(next, held.until);
      }
    }
    if (this.timer !== undefined && this.held.size === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }
}
