import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  BeatResponseSchema,
  ExecutorService,
  IdleBeatResponseSchema,
  KillResponseSchema,
  RunBatchResponseSchema,
  RunBatchResultSchema,
  RunResponseSchema,
  type KillRequest,
  type RunRequest,
} from "../../src/gen/jobwire/v1/executor_service_pb.js";
import { startRpcServer } from "../../src/shared/net/index.js";

/** What the fake executor does with a `Run` call; the default accepts it. */
export type RunBehaviour = (request: RunRequest) => void | Promise<void>;

export interface FakeExecutor {
  readonly url: string;
  readonly runs: RunRequest[];
  readonly kills: KillRequest[];
  /** Replaces the answer to the next `Run` calls. */
  onRun(behaviour: RunBehaviour): void;
  stop(): Promise<void>;
}

export interface FakeExecutorOptions {
  /**
   * Implement `RunBatch` (each run recorded in `runs` with its `start_time`, refusals from `onRun` per run);
   * without it the executor answers UNIMPLEMENTED, as an SDK that only has `Run` does.
   */
  readonly runBatch?: boolean;
}

/**
 * A stand-in executor for admin-side tests: a real ExecutorService over h2c that records every call. It does not
 * run handlers or report results; tests finish runs themselves (through the admin's finisher or Callback) so
 * that each admin behaviour is checked on its own.
 */
export async function startFakeExecutor(options: FakeExecutorOptions = {}): Promise<FakeExecutor> {
  const runs: RunRequest[] = [];
  const kills: KillRequest[] = [];
  let behaviour: RunBehaviour = () => undefined;
  const handler = connectNodeAdapter({
    routes: (router) =>
      router.service(ExecutorService, {
        async run(request) {
          runs.push(request);
          await behaviour(request);
          return create(RunResponseSchema, {});
        },
        ...(options.runBatch === true
          ? {
              async runBatch(request) {
                const results = [];
                for (const run of request.runs) {
                  runs.push(run);
                  try {
                    await behaviour(run);
                    results.push(create(RunBatchResultSchema, { runId: run.runId }));
                  } catch (error) {
                    const refusal = ConnectError.from(error);
                    results.push(create(RunBatchResultSchema, { runId: run.runId, code: refusal.code, message: refusal.rawMessage }));
                  }
                }
                return create(RunBatchResponseSchema, { results });
              },
            }
          : {}),
        kill(request) {
          kills.push(request);
          return create(KillResponseSchema, { killedRunIds: request.target.case === "runId" ? [request.target.value] : [] });
        },
        idleBeat() {
          return create(IdleBeatResponseSchema, {});
        },
        beat() {
          return create(BeatResponseSchema, {});
        },
        log() {
          throw new ConnectError("no logs in the fake executor", Code.NotFound);
        },
      }),
    grpc: true,
    connect: true,
    grpcWeb: false,
  });
  const server = await startRpcServer({ handler, host: "127.0.0.1", port: 0, pingIntervalMs: 15_000, pingTimeoutMs: 10_000 });
  return {
    url: server.url,
    runs,
    kills,
    onRun(next) {
      behaviour = next;
    },
    stop: () => server.close(0),
  };
}
