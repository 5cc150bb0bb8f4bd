import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { CallbackRequestSchema, type CallbackRequest, type CallbackResponse } from "../gen/jobwire/v1/admin_service_pb.js";
import type { Logger } from "../shared/logger.js";
import type { AdminEndpoint } from "./admin-clients.js";
import { AsyncQueue } from "./async-queue.js";
import { reconnectDelay } from "./backoff.js";
import { toRunResultMessage } from "./proto-convert.js";
import type { RunResultRecord } from "./run-result.js";
import { MemoryResultStore, type ResultStore } from "./result-store.js";
import type { ResultSpool } from "./result-spool.js";

export interface ResultReporterOptions {
  readonly logger: Logger;
  /** Where unacknowledged results wait in memory. */
  readonly store?: ResultStore;
  /** The disk spool; without it results survive admin outages but not an executor restart. */
  readonly spool?: ResultSpool;
  /** A result unacknowledged for this long is written to the spool. */
  readonly spoolAfterMs?: number;
  /** Most results per Callback message (the contract allows 500). */
  readonly batchSize?: number;
  /** First reconnect delay; it doubles per failed attempt up to `maxBackoffMs`, with jitter. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A result sent this long ago without an ack is sent again on the same stream. */
  readonly resendAfterMs?: number;
}

/** A stream that stayed open this long is considered healthy: its end resets the backoff. */
const HEALTHY_STREAM_MS = 10_000;
const DEFAULT_SPOOL_AFTER_MS = 1_000;

/**
 * Reports run results over ONE long-lived `AdminService.Callback` bidi stream. Results wait in a store until the
 * admin names their run id in `acked_run_ids` (durably stored) or `rejections` (refused for good); nothing else
 * removes them. When the stream fails, it reconnects with jittered exponential backoff, moving along the admin
 * list, and re-sends every unacknowledged result on the new stream: the admin applies results idempotently, so
 * sending one twice is harmless while losing one is not.
 *
 * A result still unacknowledged after `spoolAfterMs` (no admin reachable, or one that does not answer) is
 * written to the disk spool, and so is everything pending at `stop()`; `start()` loads the spool back. While
 * admins answer promptly, results never touch the disk.
 */
export class ResultReporter {
  private readonly store: ResultStore;
  private readonly batchSize: number;
  private stream: { outbox: AsyncQueue<CallbackRequest>; abort: AbortController } | undefined;
  /** Results to send on the current stream, in report order. */
  private unsent = new Set<number>();
  /** When each result was last sent on the current stream; cleared with every new stream. */
  private readonly sentAt = new Map<number, number>();
  /** When each result not yet on disk was reported, for the spool delay. */
  private readonly reportedAt = new Map<number, number>();
  private readonly drainWaiters = new Set<() => void>();
  private sendScheduled = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private wake: (() => void) | undefined;
  private spoolFailures = 0;

  constructor(
    private readonly endpoints: readonly AdminEndpoint[],
    private readonly options: ResultReporterOptions,
  ) {
    this.store = options.store ?? new MemoryResultStore();
    this.batchSize = Math.min(500, Math.max(1, options.batchSize ?? 500));
  }

  /** Results not yet acknowledged by an admin. */
  get pendingCount(): number {
    return this.store.size;
  }

  /** True while a result of this run waits for an ack: the run is over here and must not run again. */
  isUnacked(runId: number): boolean {
    return this.store.has(runId);
  }

  /** Loads the spooled results of a previous run, then opens the stream (in the background, until `stop()`). */
  async start(): Promise<void> {
    if (this.loop !== undefined || this.stopped) return;
    const { spool } = this.options;
    const spooled = await (spool?.load() ?? Promise.resolve([])).catch((error: unknown) => {
      throw new Error(`cannot read the result spool ${spool?.directory ?? ""}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    for (const record of spooled) this.store.add(record);
    if (spooled.length > 0) this.options.logger.info("replaying results spooled while no admin was reachable", { results: spooled.length });
    const resendAfterMs = this.options.resendAfterMs ?? 30_000;
    this.every(Math.max(50, resendAfterMs / 2), () => this.resendStale(resendAfterMs));
    if (this.options.spool !== undefined) {
      const spoolAfterMs = this.options.spoolAfterMs ?? DEFAULT_SPOOL_AFTER_MS;
      this.every(Math.max(10, spoolAfterMs / 2), () => void this.spoolOlderThan(spoolAfterMs));
    }
    this.loop = this.runLoop();
  }

  /** Queues a result; it is sent with others of the same event-loop turn in one message. */
  report(record: RunResultRecord): void {
    this.store.add(record);
    this.reportedAt.set(record.runId, Date.now());
    this.unsent.add(record.runId);
    this.scheduleSend();
  }

  /** Resolves true once every queued result is acknowledged, false if `timeoutMs` passes first. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.store.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    let waiter: (() => void) | undefined;
    const drained = new Promise<boolean>((resolve) => {
      waiter = () => resolve(true);
      this.drainWaiters.add(waiter);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await drained;
    } finally {
      clearTimeout(timer);
      if (waiter !== undefined) this.drainWaiters.delete(waiter);
    }
  }

  /** Writes every pending result that is not on disk yet to the spool; returns how many it wrote. */
  async spoolPending(): Promise<number> {
    return this.spoolOlderThan(-1);
  }

  /**
   * Closes the stream: half-closes it so the admin can answer what is in flight, then aborts it after
   * `closeTimeoutMs`. Results still unacknowledged are spooled (or, without a spool, lost with the process).
   */
  async stop(closeTimeoutMs = 1_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.wake?.();
    const stream = this.stream;
    stream?.outbox.end();
    const timer = setTimeout(() => stream?.abort.abort(), closeTimeoutMs);
    await (this.loop ?? Promise.resolve());
    clearTimeout(timer);
    const { spool, logger } = this.options;
    if (spool !== undefined) {
      await this.spoolPending();
      await spool.idle();
      if (this.store.size > 0) logger.warn("results not acknowledged by any admin are spooled and replayed at the next start", { results: this.store.size, spool: spool.directory });
    } else if (this.store.size > 0) {
      logger.error("results were never acknowledged by an admin and are dropped; the admin will mark these runs lost", { runIds: this.store.all().map((record) => record.runId) });
    }
  }

  private every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private async runLoop(): Promise<void> {
    let failures = 0;
    let index = 0;
    while (!this.stopped) {
      const endpoint = this.endpoints[index % this.endpoints.length];
      if (endpoint === undefined) return;
      const opened = Date.now();
      let answered = false;
      try {
        answered = await this.session(endpoint);
        if (!this.stopped) this.options.logger.info("the admin closed the result stream; reconnecting", { admin: endpoint.url });
      } catch (error) {
        if (this.stopped) break;
        // Logged on the first failure of a series and then every tenth, so a long outage does not flood the log.
        const fields = { admin: endpoint.url, error: ConnectError.from(error).message, pending: this.store.size };
        if (failures % 10 === 0) this.options.logger.warn("result stream to the admin failed; reconnecting", fields);
        else this.options.logger.debug("result stream to the admin failed; reconnecting", fields);
      }
      if (this.stopped) break;
      if (answered || Date.now() - opened >= HEALTHY_STREAM_MS) {
        failures = 0;
      } else {
        failures += 1;
        index += 1;
      }
      await this.sleep(reconnectDelay(failures, this.options.initialBackoffMs ?? 200, this.options.maxBackoffMs ?? 10_000));
    }
  }

  /** One stream's lifetime; resolves true if the admin answered at least once, rejects on a stream error. */
  private async session(endpoint: AdminEndpoint): Promise<boolean> {
    const outbox = new AsyncQueue<CallbackRequest>();
    const abort = new AbortController();
    this.stream = { outbox, abort };
    this.sentAt.clear();
    this.unsent = new Set(this.store.all().map((record) => record.runId));
    let answered = false;
    try {
      const responses = endpoint.client.callback(outbox, { signal: abort.signal });
      this.sendUnsent();
      for await (const response of responses) {
        answered = true;
        this.onResponse(response);
      }
      return answered;
    } finally {
      this.stream = undefined;
      outbox.end();
      abort.abort();
    }
  }

  private onResponse(response: CallbackResponse): void {
    const done = response.ackedRunIds.map(Number);
    for (const rejection of response.rejections) {
      done.push(Number(rejection.runId));
      this.options.logger.warn("the admin refused a run result for good", { runId: Number(rejection.runId), reason: rejection.reason });
    }
    this.store.delete(done);
    for (const runId of done) {
      this.sentAt.delete(runId);
      this.unsent.delete(runId);
      this.reportedAt.delete(runId);
    }
    this.options.spool?.forget(done);
    if (this.store.size === 0) for (const waiter of [...this.drainWaiters]) waiter();
  }

  private scheduleSend(): void {
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(() => {
      this.sendScheduled = false;
      this.sendUnsent();
    });
  }

  /** Sends, in batches, every stored result not yet sent on the current stream. */
  private sendUnsent(): void {
    const stream = this.stream;
    if (stream === undefined || stream.outbox.isEnded || this.unsent.size === 0) return;
    const now = Date.now();
    let batch: RunResultRecord[] = [];
    const push = (): boolean => {
      if (!stream.outbox.push(create(CallbackRequestSchema, { results: batch.map(toRunResultMessage) }))) return false;
      for (const record of batch) {
        this.sentAt.set(record.runId, now);
        this.unsent.delete(record.runId);
      }
      batch = [];
      return true;
    };
    for (const runId of this.unsent) {
      const record = this.store.get(runId);
      if (record === undefined) {
        this.unsent.delete(runId);
        continue;
      }
      batch.push(record);
      if (batch.length === this.batchSize && !push()) return;
    }
    if (batch.length > 0) push();
  }

  private resendStale(resendAfterMs: number): void {
    const cutoff = Date.now() - resendAfterMs;
    let stale = false;
    for (const [runId, sentAt] of this.sentAt) {
      if (sentAt > cutoff) continue;
      this.sentAt.delete(runId);
      this.unsent.add(runId);
      stale = true;
    }
    if (stale) this.sendUnsent();
  }

  /**
   * Writes results reported before `now - ageMs` and not on disk yet to the spool, as one batch; returns how
   * many it wrote. A failed write is logged, never thrown: the results stay in memory and are still sent.
   */
  private async spoolOlderThan(ageMs: number): Promise<number> {
    const spool = this.options.spool;
    if (spool === undefined) return 0;
    const cutoff = Date.now() - ageMs;
    const due: RunResultRecord[] = [];
    for (const [runId, reportedAt] of this.reportedAt) {
      if (reportedAt > cutoff) continue;
      const record = this.store.get(runId);
      if (record !== undefined && !spool.isSpooled(runId)) due.push(record);
    }
    if (due.length === 0) return 0;
    for (const record of due) this.reportedAt.delete(record.runId);
    try {
      await spool.write(due);
      this.spoolFailures = 0;
      return due.length;
    } catch (error) {
      // Still in memory and still sent; the next tick tries to write them again.
      for (const record of due) if (this.store.has(record.runId)) this.reportedAt.set(record.runId, 0);
      if (this.spoolFailures % 10 === 0) this.options.logger.error("cannot write results to the spool; they are kept in memory only", { spool: spool.directory, error });
      this.spoolFailures += 1;
      return 0;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
