import type { BlockStrategy, GlueType, JobHandler, JobHandlerHooks } from "./types.js";

/**
 * One accepted run, as the executor's internals see it: the `RunRequest` converted to plain numbers and string
 * unions at the RPC boundary, so that queues and handlers never touch generated proto types.
 */
export interface RunSpec {
  readonly jobId: number;
  readonly runId: number;
  readonly handlerName: string;
  readonly param: string;
  readonly blockStrategy: BlockStrategy;
  /** Parallel runs allowed under CONCURRENT; at least 1. */
  readonly concurrency: number;
  /** 0 means no time limit. */
  readonly timeoutMs: number;
  readonly glueType: GlueType;
  /** Script source of GLUE runs; empty for BEAN. */
  readonly glueSource: string;
  /** Epoch ms version stamp of the GLUE source; 0 when unknown. */
  readonly glueUpdateTime: number;
  readonly shardIndex: number;
  readonly shardTotal: number;
  readonly attempt: number;
  /** Epoch ms; names the day folder of the run's log. */
  readonly triggerTime: number;
  /** Epoch ms of the planned fire; 0 when unknown. */
  readonly scheduledTime: number;
}

/** A registered handler with its hooks. The same object is returned for a name every time, so identity tells handlers apart. */
export interface RegisteredHandler {
  readonly name: string;
  readonly run: JobHandler;
  readonly hooks: JobHandlerHooks;
}

/** Why the executor refuses to accept a run; the RPC layer maps each kind to one gRPC status code. */
export type RunRefusalKind = "duplicate" | "busy" | "stopping";

export class RunRefusal extends Error {
  constructor(
    readonly kind: RunRefusalKind,
    message: string,
  ) {
    super(message);
    this.name = "RunRefusal";
  }
}
