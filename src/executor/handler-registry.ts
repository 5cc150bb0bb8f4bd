import type { RegisteredHandler } from "./run-spec.js";
import type { JobHandler, JobHandlerHooks } from "./types.js";

/** Handler names as jobs reference them: no whitespace, at most 255 characters (the admin's limit). */
const HANDLER_NAME = /^\S{1,255}$/;

/** The executor's handlers by name. Registration is allowed at any time; the next beat announces new names. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, RegisteredHandler>();

  register(name: string, run: JobHandler, hooks: JobHandlerHooks = {}): void {
    if (typeof name !== "string" || !HANDLER_NAME.test(name)) {
      throw new Error(`Invalid handler name ${JSON.stringify(name)}: use 1–255 characters without whitespace, e.g. "demoJobHandler".`);
    }
    if (typeof run !== "function") throw new Error(`Handler "${name}" must be a function (ctx) => string | void.`);
    for (const hook of ["init", "destroy"] as const) {
      if (hooks[hook] !== undefined && typeof hooks[hook] !== "function") throw new Error(`The ${hook} hook of handler "${name}" must be a function.`);
    }
    if (this.handlers.has(name)) {
      throw new Error(`A handler named "${name}" is already registered; handler names must be unique in an executor.`);
    }
    this.handlers.set(name, { name, run, hooks: { ...hooks } });
  }

  get(name: string): RegisteredHandler | undefined {
    return this.handlers.get(name);
  }

  names(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
