import { rm } from "node:fs/promises";
import type { Executor, ExecutorInternals } from "../../src/executor/executor.js";
import { callExecutor, makeLogDir, testExecutor, ACCESS_TOKEN, APP_NAME, type ExecutorCaller } from "./harness.js";
import { startFakeAdmin, type FakeAdmin, type FakeAdminOptions } from "./fake-admin.js";
import type { ExecutorOptions } from "../../src/executor/index.js";
import type { RunResult } from "../../src/gen/jobwire/v1/admin_service_pb.js";
import { waitFor } from "./wait-for.js";

/** A latch a handler waits on until the test opens it. */
class Gate {
  readonly opened: Promise<void>;
  open: () => void = () => {};

  constructor() {
    this.opened = new Promise((resolve) => {
      this.open = resolve;
    });
  }
}

/** Resolves when the signal aborts; the handlers below stop waiting then, as well-behaved handlers do. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/**
 * Handlers the executor tests trigger, with what they observed: `events` in execution order, and for
 * `blocking` a gate per param that the test opens.
 */
export class TestHandlers {
  readonly events: string[] = [];
  readonly abortedRuns = new Map<number, string>();
  private readonly gates = new Map<string, Gate>();

  gate(name: string): Gate {
    let gate = this.gates.get(name);
    if (gate === undefined) {
      gate = new Gate();
      this.gates.set(name, gate);
    }
    return gate;
  }

  release(name: string): void {
    this.gate(name).open();
  }

  install(executor: Executor): void {
    executor.register("echo", (ctx) => `echo ${ctx.param} job=${ctx.jobId} run=${ctx.runId} shard=${ctx.shardIndex}/${ctx.shardTotal} attempt=${ctx.attempt}`);
    executor.register("boom", () => {
      throw new Error("the warehouse is on fire");
    });
    executor.register("refuse", (ctx) => ctx.failNonRetryable(`bad param ${ctx.param}`));
    executor.register("chatty", (ctx) => {
      for (let i = 0; i < 7; i += 1) ctx.log("line %d of %s", i, ctx.param);
      return "talked";
    });
    executor.register("blocking", async (ctx) => {
      this.events.push(`start:${ctx.runId}`);
      ctx.log("waiting for gate %s", ctx.param);
      await Promise.race([this.gate(ctx.param).opened, aborted(ctx.signal)]);
      if (ctx.signal.aborted) this.abortedRuns.set(ctx.runId, String((ctx.signal.reason as Error).message));
      this.events.push(`end:${ctx.runId}`);
      return `released ${ctx.param}`;
    });
  }
}

/** A fake admin, a real executor registered with it (behind a dead first admin address), and a client. */
export interface ExecutorFixture {
  readonly admin: FakeAdmin;
  readonly executor: Executor;
  readonly caller: ExecutorCaller;
  readonly handlers: TestHandlers;
  readonly logDir: string;
  /** Waits for the result the fake admin stored for `runId`. */
  resultOf(runId: bigint): Promise<RunResult>;
  /** Waits until the test handler of `runId` has started. */
  started(runId: bigint): Promise<true>;
  close(): Promise<void>;
}

export async function startExecutorFixture(
  overrides: Partial<ExecutorOptions> = {},
  internals: ExecutorInternals = {},
  adminOptions: Partial<FakeAdminOptions> = {},
): Promise<ExecutorFixture> {
  const admin = await startFakeAdmin({ appName: APP_NAME, accessToken: ACCESS_TOKEN, ...adminOptions });
  const logDir = await makeLogDir();
  const executor = testExecutor(["http://127.0.0.1:1", admin.url], logDir, { registryIntervalMs: 200, ...overrides }, internals);
  const handlers = new TestHandlers();
  handlers.install(executor);
  await executor.start();
  const caller = callExecutor(executor.address);
  return {
    admin,
    executor,
    caller,
    handlers,
    logDir,
    resultOf: (runId) => waitFor(`the result of run ${runId}`, () => admin.stored.get(Number(runId))),
    started: (runId) => waitFor(`run ${runId} to start`, () => (handlers.events.includes(`start:${runId}`) ? true : undefined)),
    close: async () => {
      caller.close();
      await executor.stop();
      await admin.close();
      await rm(logDir, { recursive: true, force: true });
    },
  };
}
