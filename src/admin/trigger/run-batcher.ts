import { Code, ConnectError } from "@connectrpc/connect";
import { encodedRunBatchRequest, toRunRequest, type RunCall } from "./run-request-codec.js";
import type { ExecutorCallOptions, ExecutorClient, ExecutorClients, GroupCredentials } from "./executor-clients.js";

/**
 * The executor cannot hold a run for its instant (it has no `RunBatch`, which is what promises to honour `start_time`):
 * the caller must wait for the instant and send the run again without `start_time`.
 */
export class HoldUnsupportedError extends Error {
  constructor(readonly address: string) {
    super(`executor ${address} cannot hold runs for their instant`);
    this.name = "HoldUnsupportedError";
  }
}

interface Waiting {
  readonly call: RunCall;
  /** Admin-clock instant the executor is to start the run at; undefined to start it on arrival. */
  readonly startAt: number | undefined;
  readonly resolve: () => void;
  readonly reject: (error: ConnectError | HoldUnsupportedError) => void;
}

interface Destination {
  readonly address: string;
  readonly credentials: GroupCredentials;
  readonly waiting: Waiting[];
}

/** Runs per `RunBatch` call (the contract allows 1 000): small enough that the executor starts the first runs while the admin still sends the rest. */
const MAX_BATCH = 100;

/**
 * Sends the `Run` calls of one event-loop turn to each executor as one `RunBatch` call. A burst of fires
 * dispatches hundreds of runs at once, and one RPC per run costs an HTTP/2 stream, headers, a deadline timer and
 * the protocol machinery on both sides each — more than everything else the trigger path does. Gathering the calls
 * made within the same turn (per executor address and group credentials) costs no added delay, and a single run
 * still goes out as a plain `Run`. An executor that answers UNIMPLEMENTED (an SDK in another language that only
 * has `Run`) is remembered and served with `Run` calls from then on.
 *
 * Each caller gets its own run's outcome: resolved when accepted, rejected with the executor's refusal (the same
 * code and message `Run` would have given) or with the error of the whole call.
 */
export class RunBatcher {
  private pending = new Map<string, Destination>();
  private scheduled = false;
  private readonly runOnly = new Set<string>();

  constructor(
    private readonly executors: ExecutorClients,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends one run. With `startAt` (epoch ms of the admin's clock) the executor holds the run until that instant
   * (`start_time`); an executor that cannot hold runs makes this reject with `HoldUnsupportedError`.
   */
  run(address: string, credentials: GroupCredentials, call: RunCall, startAt?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = `${address}\n${credentials.appName}\n${credentials.accessToken}`;
      let destination = this.pending.get(key);
      if (destination === undefined) {
        destination = { address, credentials, waiting: [] };
        this.pending.set(key, destination);
      }
      destination.waiting.push({ call, startAt, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const destinations = [...this.pending.values()];
    this.pending = new Map();
    for (const destination of destinations) {
      for (let i = 0; i < destination.waiting.length; i += MAX_BATCH) {
        void this.send(destination, destination.waiting.slice(i, i + MAX_BATCH));
      }
    }
  }

  private async send(destination: Destination, batch: readonly Waiting[]): Promise<void> {
    const { address, credentials } = destination;
    const call = <T>(rpc: (client: ExecutorClient, options: ExecutorCallOptions) => Promise<T>): Promise<T> => this.executors.call(address, credentials, this.timeoutMs, rpc);
    const single = async (item: Waiting): Promise<void> => {
      try {
        await call((client, options) => client.run(toRunRequest(item.call), options));
        item.resolve();
      } catch (error) {
        item.reject(ConnectError.from(error));
      }
    };
    // Runs to hold go only in RunBatch calls: implementing it is what promises to honour `start_time`.
    const unheld = async (item: Waiting): Promise<void> => {
      if (item.startAt === undefined) await single(item);
      else item.reject(new HoldUnsupportedError(address));
    };
    if (this.runOnly.has(address) || (batch.length === 1 && batch[0]?.startAt === undefined)) {
      await Promise.all(batch.map(unheld));
      return;
    }
    try {
      const request = encodedRunBatchRequest(batch);
      const response = await call((client, options) => client.runBatch(request, options));
      batch.forEach((item, i) => {
        const result = response.results[i];
        if (result === undefined || result.runId !== BigInt(item.call.runId)) {
          item.reject(new ConnectError(`the executor's RunBatch answer has no result for run ${item.call.runId}`, Code.Internal));
        } else if (result.code === 0) {
          item.resolve();
        } else {
          item.reject(new ConnectError(result.message, result.code in Code ? result.code : Code.Unknown));
        }
      });
    } catch (error) {
      const failure = ConnectError.from(error);
      if (failure.code === Code.Unimplemented) {
        this.runOnly.add(address);
        await Promise.all(batch.map(unheld));
        return;
      }
      for (const item of batch) item.reject(failure);
    }
  }
}
