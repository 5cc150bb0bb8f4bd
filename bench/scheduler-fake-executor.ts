/**
 * The benchmarks' executor: a real `ExecutorService` over h2c (connect-node, the one-port server of
 * `src/shared/net`) whose handler is a no-op that records when it started. It holds runs sent with `start_time`
 * until their instant (one timer per instant, as the SDK does) and reports every result over ONE
 * `AdminService.Callback` stream in batches, as the SDK's result reporter does (results of one event-loop
 * turn go out together, at most 500 per message; a result is forgotten only when the admin acks it, i.e. after
 * the admin's write committed; unacked results are re-sent on a new stream after a stream failure).
 *
 * It is not the SDK (`createExecutor`) because the SDK writes a log file per run and keeps per-job queues, costs
 * that belong to an executor benchmark; here the executor must cost as little as possible so that the figures
 * measure the admin and its database.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AdminService, CallbackRequestSchema, RunResultSchema, type CallbackRequest, type RunResult } from "../src/gen/jobwire/v1/admin_service_pb.js";
import {
  BeatResponseSchema,
  ExecutorService,
  IdleBeatResponseSchema,
  KillResponseSchema,
  RunBatchResponseSchema,
  RunBatchResultSchema,
  RunResponseSchema,
  type RunRequest,
} from "../src/gen/jobwire/v1/executor_service_pb.js";
import { RunState } from "../src/gen/jobwire/v1/run_pb.js";
import { APP_NAME_HEADER, AUTHORIZATION_HEADER, bearer } from "../src/shared/metadata.js";
import { startRpcServer } from "../src/shared/net/index.js";

/** One handler start, as the no-op handler recorded it. */
export interface HandlerStart {
  readonly jobId: number;
  readonly runId: number;
  /** The fire's planned instant (`RunRequest.scheduled_time`), epoch ms. */
  readonly scheduledTime: number;
  /** When the handler started (the `Run` call arrived), epoch ms. */
  readonly startedAt: number;
}

export interface FakeExecutor {
  readonly url: string;
  /** Every handler start, in arrival order. */
  readonly starts: HandlerStart[];
  /** Results acknowledged by an admin (distinct run ids). */
  readonly ackedCount: number;
  /** When the latest ack arrived (epoch ms), 0 before the first. */
  readonly lastAckAt: number;
  /** Results not acknowledged yet. */
  readonly unackedCount: number;
  /** Points the result stream at these admins (it fails over along the list and re-sends unacked results). */
  connect(adminUrls: readonly string[], appName: string, accessToken: string): void;
  /** Forgets the recorded starts and acks (between runs). */
  reset(): void;
  stop(): Promise<void>;
}

const BATCH_SIZE = 500;
const DEBUG = process.env["JOBWIRE_BENCH_DEBUG"] === "1";

/** A minimal unbounded async queue: the request side of the bidi Callback stream. */
class Outbox implements AsyncIterable<CallbackRequest> {
  private readonly items: CallbackRequest[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  get isEnded(): boolean {
    return this.ended;
  }

  push(item: CallbackRequest): void {
    if (this.ended) return;
    this.items.push(item);
    this.waiter?.();
  }

  end(): void {
    this.ended = true;
    this.waiter?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CallbackRequest> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
  }
}

export async function startFakeExecutor(): Promise<FakeExecutor> {
  const starts: HandlerStart[] = [];
  /** Results waiting for an ack, by run id. */
  const pending = new Map<number, RunResult>();
  /** Run ids to put on the current stream. */
  let unsent: number[] = [];
  const acked = new Set<number>();
  let lastAckAt = 0;
  let sendScheduled = false;
  let stopped = false;
  let stream: { outbox: Outbox; abort: AbortController } | undefined;
  let loop: Promise<void> | undefined;
  let client: { urls: readonly string[]; appName: string; accessToken: string } | undefined;
  let generation = 0;

  const sendUnsent = (): void => {
    sendScheduled = false;
    const current = stream;
    if (current === undefined || current.outbox.isEnded || unsent.length === 0) return;
    const ids = unsent;
    unsent = [];
    for (let start = 0; start < ids.length; start += BATCH_SIZE) {
      const results = ids
        .slice(start, start + BATCH_SIZE)
        .map((id) => pending.get(id))
        .filter((result): result is RunResult => result !== undefined);
      if (results.length > 0) current.outbox.push(create(CallbackRequestSchema, { results }));
    }
  };
  const scheduleSend = (): void => {
    if (sendScheduled) return;
    sendScheduled = true;
    setImmediate(sendUnsent);
  };

  /** Starts one run's no-op handler: records when, and returns it. */
  const start = (request: RunRequest): number => {
    const startedAt = Date.now();
    starts.push({
      jobId: Number(request.jobId),
      runId: Number(request.runId),
      scheduledTime: request.scheduledTime === undefined ? 0 : Number(request.scheduledTime.seconds) * 1000 + Math.floor(request.scheduledTime.nanos / 1e6),
      startedAt,
    });
    return startedAt;
  };

  /** The no-op handler finished as it started: its result joins this turn's batch. */
  const finish = (request: RunRequest, startedAt: number): void => {
    const runId = Number(request.runId);
    pending.set(
      runId,
      create(RunResultSchema, { runId: request.runId, state: RunState.SUCCEEDED, message: "", startTime: timestampFromMs(startedAt), endTime: timestampFromMs(startedAt) }),
    );
    unsent.push(runId);
    scheduleSend();
  };

  /**
   * Starts runs: every handler first, then their results are built. A real executor starts 10 000 handlers of one
   * instant and reports them as they finish; building each result between two starts would make the rig itself
   * start the last of them tens of milliseconds late.
   */
  const accept = (requests: readonly RunRequest[]): void => {
    const startedAt = requests.map(start);
    requests.forEach((request, i) => finish(request, startedAt[i] ?? Date.now()));
  };

  /**
   * Runs held for their instant (`start_time`), by the instant: one timer per instant, as the SDK does. The admin
   * runs on this machine, so its clock is this one (the SDK measures the offset from its registration beats).
   */
  const held = new Map<number, RunRequest[]>();
  const hold = (request: RunRequest): void => {
    const at = request.startTime === undefined ? 0 : timestampMs(request.startTime);
    if (at <= Date.now()) {
      accept([request]);
      return;
    }
    let runs = held.get(at);
    if (runs === undefined) {
      const created: RunRequest[] = [];
      held.set(at, created);
      setTimeout(() => {
        held.delete(at);
        accept(created);
      }, at - Date.now());
      runs = created;
    }
    runs.push(request);
  };

  const handler = connectNodeAdapter({
    routes: (router) =>
      router.service(ExecutorService, {
        run(request) {
          hold(request);
          return create(RunResponseSchema, {});
        },
        runBatch(request) {
          return create(RunBatchResponseSchema, { results: request.runs.map((run) => (hold(run), create(RunBatchResultSchema, { runId: run.runId }))) });
        },
        kill() {
          return create(KillResponseSchema, {});
        },
        idleBeat() {
          return create(IdleBeatResponseSchema, {});
        },
        beat() {
          return create(BeatResponseSchema, {});
        },
        log() {
          throw new ConnectError("no logs in the benchmark executor", Code.NotFound);
        },
      }),
    grpc: true,
    connect: false,
    grpcWeb: false,
  });
  const server = await startRpcServer({ handler, host: "127.0.0.1", port: 0, pingIntervalMs: 15_000, pingTimeoutMs: 10_000 });

  const clients = new Map<string, { client: Client<typeof AdminService>; sessions: Http2SessionManager }>();
  const clientFor = (url: string): Client<typeof AdminService> => {
    let entry = clients.get(url);
    if (entry === undefined) {
      // No keepalive PINGs: on a loaded machine a late PING answer would tear the stream down for nothing (and
      // connect-node emits the PING timeout as an unhandled session error).
      const sessions = new Http2SessionManager(url);
      entry = { client: createClient(AdminService, createGrpcTransport({ baseUrl: url, sessionManager: sessions })), sessions };
      clients.set(url, entry);
    }
    return entry.client;
  };

  const session = async (url: string, appName: string, accessToken: string): Promise<void> => {
    const outbox = new Outbox();
    const abort = new AbortController();
    stream = { outbox, abort };
    // Everything unacked goes on the new stream (the admin applies results idempotently).
    unsent = [...pending.keys()];
    try {
      const responses = clientFor(url).callback(outbox, {
        signal: abort.signal,
        headers: { [APP_NAME_HEADER]: appName, [AUTHORIZATION_HEADER]: bearer(accessToken) },
      });
      scheduleSend();
      for await (const response of responses) {
        const now = Date.now();
        const done = [...response.ackedRunIds, ...response.rejections.map((r) => r.runId)];
        for (const id of done) {
          const runId = Number(id);
          pending.delete(runId);
          acked.add(runId);
        }
        if (response.ackedRunIds.length > 0) lastAckAt = now;
      }
    } finally {
      stream = undefined;
      outbox.end();
      abort.abort();
    }
  };

  const runLoop = async (myGeneration: number): Promise<void> => {
    let index = 0;
    while (!stopped && myGeneration === generation && client !== undefined) {
      const url = client.urls[index % client.urls.length] ?? "";
      try {
        await session(url, client.appName, client.accessToken);
        if (DEBUG) process.stderr.write(`[fake-executor] result stream to ${url} ended; reconnecting (${pending.size} unacked)\n`);
      } catch (error) {
        if (DEBUG) process.stderr.write(`[fake-executor] result stream to ${url} failed: ${String(error)} (${pending.size} unacked)\n`);
        index++;
      }
      if (stopped || myGeneration !== generation) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  return {
    url: server.url,
    starts,
    get ackedCount() {
      return acked.size;
    },
    get lastAckAt() {
      return lastAckAt;
    },
    get unackedCount() {
      return pending.size;
    },
    connect(adminUrls, appName, accessToken) {
      client = { urls: [...adminUrls], appName, accessToken };
      generation++;
      stream?.abort.abort();
      loop = runLoop(generation);
    },
    reset() {
      starts.length = 0;
      acked.clear();
      lastAckAt = 0;
    },
    async stop() {
      stopped = true;
      stream?.abort.abort();
      await loop?.catch(() => undefined);
      for (const { sessions } of clients.values()) sessions.abort();
      await server.close(0);
    },
  };
}
