import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { CallbackRequestSchema, type CallbackRequest, type CallbackResponse } from "../gen/jobwire/v1/admin_service_pb.js";
import type { Logger } from "../shared/logger.js";
import type { AdminEndpoint } from "./admin-clients.js";
import { AsyncQueue } from "./async-queue.js";
import { toRunResultMessage } from "./proto-convert.js";
import type { RunResultRecord } from "./run-result.js";
import { MemoryResultStore, type ResultStore } from "./result-store.js";

export interface ResultReporterOptions {
  readonly logger: Logger;
  /** Where unacknowledged results wait. */
  readonly store?: ResultStore;
  /** Most results per Callback message (the contract allows 500). */
  readonly batchSize?: number;
  /** First reconnect delay; it doubles per failed attempt up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A result sent this long ago without an ack is sent again on the same stream. */
  readonly resendAfterMs?: number;
}

/** A stream that stayed open this long is considered healthy: its end resets the backoff. */
const HEALTHY_STREAM_MS = 10_000;

/**
 * Reports run results over ONE long-lived `AdminService.Callback` bidi stream. Results wait in a store until the
 * admin names their run id in `acked_run_ids` (durably stored) or `rejections` (refused for good); nothing else
 * removes them. When the stream fails, it reconnects with exponential backoff, moving along the admin list,
 * and re-sends every unacknowledged result on the new stream: the admin applies results idempotently, so
 * sending one twice is harmless while losing one is not.
 */
export class ResultReporter {
  private readonly store: ResultStore;
  private readonly batchSize: number;
  private stream: { outbox: AsyncQueue<CallbackRequest>; abort: AbortController } | undefined;
  /** When each result was last sent on the current stream; cleared with every new stream. */
  private readonly sentAt = new Map<number, number>();
  private readonly drainWaiters = new Set<() => void>();
  private sendScheduled = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private resendTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

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

  /** Opens the stream (in the background; it keeps reconnecting until `stop()`). */
  start(): void {
    if (this.loop !== undefined || this.stopped) return;
    const resendAfterMs = this.options.resendAfterMs ?? 30_000;
    this.resendTimer = setInterval(() => this.resendStale(resendAfterMs), Math.max(50, resendAfterMs / 2));
    this.resendTimer.unref();
    this.loop = this.runLoop();
  }

  /** Queues a result; it is sent with others of the same event-loop turn in one message. */
  report(record: RunResultRecord): void {
    this.store.add(record);
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

  /**
   * Closes the stream: half-closes it so the admin can answer what is in flight, then aborts it after
   * `closeTimeoutMs`. Results still unacknowledged stay in the store (and are lost with a memory store).
   */
  async stop(closeTimeoutMs = 1_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.resendTimer);
    this.wake?.();
    const stream = this.stream;
    stream?.outbox.end();
    const loop = this.loop ?? Promise.resolve();
    const timer = setTimeout(() => stream?.abort.abort(), closeTimeoutMs);
    await loop;
    clearTimeout(timer);
    if (this.store.size > 0) {
      this.options.logger.error("results were never acknowledged by an admin and are dropped; the admin will mark these runs lost", {
        runIds: this.store.all().map((record) => record.runId),
      });
    }
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
      await this.sleep(this.backoff(failures));
    }
  }

  /** One stream's lifetime; resolves true if the admin answered at least once, rejects on a stream error. */
  private async session(endpoint: AdminEndpoint): Promise<boolean> {
    const outbox = new AsyncQueue<CallbackRequest>();
    const abort = new AbortController();
    this.stream = { outbox, abort };
    this.sentAt.clear();
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
    for (const runId of done) this.sentAt.delete(runId);
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
    if (stream === undefined || stream.outbox.isEnded) return;
    const unsent = this.store.all().filter((record) => !this.sentAt.has(record.runId));
    const now = Date.now();
    for (let start = 0; start < unsent.length; start += this.batchSize) {
      const batch = unsent.slice(start, start + this.batchSize);
      if (!stream.outbox.push(create(CallbackRequestSchema, { results: batch.map(toRunResultMessage) }))) return;
      for (const record of batch) this.sentAt.set(record.runId, now);
    }
  }

  private resendStale(resendAfterMs: number): void {
    const cutoff = Date.now() - resendAfterMs;
    let stale = false;
    for (const [runId, sentAt] of this.sentAt) {
      if (sentAt > cutoff) continue;
      this.sentAt.delete(runId);
      stale = true;
    }
    if (stale) this.sendUnsent();
  }

  private backoff(failures: number): number {
    const initial = this.options.initialBackoffMs ?? 200;
    const max = this.options.maxBackoffMs ?? 10_000;
    const ceiling = Math.min(max, initial * 2 ** Math.min(failures, 20));
    // Half fixed, half random, so that executors restarted together do not reconnect in lockstep.
    return ceiling / 2 + Math.random() * (ceiling / 2);
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
