import type { RouteStrategy } from "../domain/index.js";

/** The outcome of one probe made while routing (FAILOVER beats, BUSYOVER idle beats). */
export interface RouteProbe {
  readonly address: string;
  readonly ok: boolean;
  readonly message: string;
}

/** Asks executors whether they are alive or idle; the trigger pipeline backs it with real RPCs. */
export interface Prober {
  beat(address: string): Promise<RouteProbe>;
  idleBeat(address: string, jobId: number): Promise<RouteProbe>;
}

/** What a route strategy needs to know about one trigger. */
export interface RouteInput {
  readonly jobId: number;
  /** Candidate addresses, sorted and de-duplicated. Never empty: an empty list fails before routing. */
  readonly addresses: readonly string[];
  readonly prober: Prober;
}

/** The chosen addresses (one, or every one for a broadcast) and the probes made on the way, for the report. */
export interface RouteDecision {
  readonly addresses: readonly string[];
  readonly probes: readonly RouteProbe[];
  /** Why nothing was chosen, when `addresses` is empty. */
  readonly reason?: string;
}

/**
 * A route strategy picks the executor address of a run. Strategies with state (round robin, LFU, LRU) keep it per
 * job inside their instance, so each admin owns one instance per strategy.
 */
export interface RouteStrategyImpl {
  readonly strategy: RouteStrategy;
  route(input: RouteInput): RouteDecision | Promise<RouteDecision>;
}

/** A decision for exactly one address, with no probes. */
export function chosen(address: string): RouteDecision {
  return { addresses: [address], probes: [] };
}

/** Per-job state that is dropped every `ttlMs`, so that counters of deleted jobs and old addresses do not pile up. */
export class ExpiringJobState<T> {
  private readonly states = new Map<number, T>();
  private validUntil: number;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.validUntil = now() + ttlMs;
  }

  get(jobId: number, create: () => T): T {
    if (this.now() > this.validUntil) {
      this.states.clear();
      this.validUntil = this.now() + this.ttlMs;
    }
    let state = this.states.get(jobId);
    if (state === undefined) {
      state = create();
      this.states.set(jobId, state);
    }
    return state;
  }
}

export const DAY_MS = 24 * 3600_000;
