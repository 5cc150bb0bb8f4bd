import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";

/**
 * Lets the event loop run after every SQLite statement. better-sqlite3 is synchronous and Kysely resolves its
 * results at once, so a chain of awaited statements — a transaction, and the next one queued on the single
 * connection — runs entirely in microtasks and never returns to the event loop: under load the admin would read
 * no socket (executor answers, callbacks) and fire no timer for seconds, and the executors' calls would time out
 * although they were answered. One `setImmediate` per statement costs microseconds and lets I/O in between.
 * MySQL and PostgreSQL drivers are asynchronous already and do not need it.
 */
export class YieldToEventLoopPlugin implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return args.result;
  }
}
