/**
 * The jobwire executor SDK: embed it in a service to run jobs scheduled by a jobwire admin.
 *
 * ```ts
 * const executor = createExecutor({ adminAddresses: ["http://127.0.0.1:8080"], appName: "demo-app", accessToken });
 * executor.register("demoJobHandler", async (ctx) => { ctx.log("param=%s", ctx.param); return "done"; });
 * await executor.start();
 * ```
 */
export { createExecutor } from "./executor.js";
export type { Executor } from "./executor.js";
export { JobFailure, NonRetryableJobFailure } from "./errors.js";
export { resolveExecutorOptions } from "./options.js";
export type { ExecutorOptions, ResolvedExecutorOptions } from "./options.js";
export { runProcess } from "./run-process.js";
export type { ProcessOutcome, RunProcessOptions } from "./run-process.js";
export type { ExecutorTlsOptions, ResolvedTlsOptions } from "./tls-options.js";
export type { BlockStrategy, ExecutorState, GlueType, JobHandler, JobHandlerHooks, RunContext, RunOutcomeState } from "./types.js";
