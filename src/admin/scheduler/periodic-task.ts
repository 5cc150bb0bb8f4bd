import type { Logger } from "../../shared/logger.js";
import type { Clock } from "./clock.js";

/** A task run every `intervalMs` (measured from the end of the previous run, so runs never overlap). */
export interface PeriodicTask {
  /** Stops scheduling and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startPeriodicTask(name: string, clock: Clock, intervalMs: number, task: () => Promise<void>, logger: Logger): PeriodicTask {
  let stopped = false;
  let timer: unknown;
  let current: Promise<void> | undefined;
  const run = (): void => {
    timer = undefined;
    if (stopped) return;
    current = task()
      .catch((error: unknown) => logger.error(`${name} failed; retrying next interval`, { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        current = undefined;
        if (!stopped) timer = clock.setTimeout(run, intervalMs);
      });
  };
  timer = clock.setTimeout(run, intervalMs);
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      await current;
    },
  };
}
