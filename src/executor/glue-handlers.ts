import { JobFailure } from "./errors.js";
import { InterpreterResolver, scriptEnvironment, type ScriptGlueType } from "./glue-interpreters.js";
import { GlueSourceFiles, glueVersionKey } from "./glue-source.js";
import { runProcess } from "./run-process.js";
import type { RegisteredHandler, RunSpec } from "./run-spec.js";
import type { RunContext } from "./types.js";

export interface GlueHandlersOptions {
  readonly logDir: string;
  /** After SIGTERM, how long a script's process tree has before SIGKILL. */
  readonly killGraceMs: number;
  /** Programs to use instead of the PATH lookup, per type (tests, unusual installations). */
  readonly interpreters?: Partial<Record<ScriptGlueType, string>>;
}

/**
 * Turns GLUE runs into handlers. Each (job, type, version) gets one handler object, reused while the version
 * stays the same: the job queue tells handlers apart by identity, so a new version is a new handler, which
 * makes the queue end the old one and start afresh, as XXL-JOB replaces its JobThread when `glueUpdatetime`
 * changes. Only the latest version of a job is remembered.
 */
export class GlueHandlers {
  private readonly byJob = new Map<number, { key: string; handler: RegisteredHandler }>();
  private readonly sources: GlueSourceFiles;
  private readonly interpreters: InterpreterResolver;

  constructor(private readonly options: GlueHandlersOptions) {
    this.sources = new GlueSourceFiles(options.logDir);
    this.interpreters = new InterpreterResolver(options.interpreters);
  }

  /** The handler of a GLUE run; `spec.glueType` must not be BEAN. */
  handlerFor(spec: RunSpec, type: ScriptGlueType): RegisteredHandler {
    const version = glueVersionKey(spec.glueUpdateTime, spec.glueSource);
    const key = `${type}:${version}`;
    const known = this.byJob.get(spec.jobId);
    if (known !== undefined && known.key === key) return known.handler;
    const handler = this.createHandler(spec.jobId, type, version, spec.glueSource);
    this.byJob.set(spec.jobId, { key, handler });
    return handler;
  }

  private createHandler(jobId: number, type: ScriptGlueType, version: string, source: string): RegisteredHandler {
    let written: Promise<string> | undefined;
    const run = async (ctx: RunContext): Promise<string> => {
      const interpreter = await this.interpreters.resolve(type);
      if (typeof interpreter === "string") throw new JobFailure(interpreter);
      // Written once per version; a failed write is tried again by the next run.
      written ??= this.sources.ensure(jobId, type, version, source).catch((error: unknown) => {
        written = undefined;
        throw error;
      });
      const file = await written;
      ctx.log("running %s script %s with %s", type, file, interpreter.command);
      const outcome = await runProcess(ctx, interpreter.command, [...interpreter.args, file, ctx.param, String(ctx.shardIndex), String(ctx.shardTotal)], {
        env: scriptEnvironment(),
        killGraceMs: this.options.killGraceMs,
      });
      // After an abort the run's result is already reported (KILLED or TIMED_OUT); what we return is unused.
      if (outcome.aborted) return "aborted";
      if (outcome.exitCode === 0) return "script exited with code 0";
      const how = outcome.exitCode === null ? `was ended by ${outcome.signal ?? "a signal"}` : `exited with code ${outcome.exitCode}`;
      const stderr = outcome.stderrTail.length === 0 ? "" : `; last stderr lines:\n${outcome.stderrTail.join("\n")}`;
      throw new JobFailure(`${type} script ${how}${stderr}`);
    };
    return { name: `GLUE_${type}#${version}`, run, hooks: {} };
  }
}
