import type { Executor } from "../../executor/index.js";
import { createCommandJobHandler } from "./command-job-handler.js";
import { HostAllowList } from "./host-allow-list.js";
import { createHttpJobHandler } from "./http-job-handler.js";

/** What the executor command lets the riskier demo handlers do; both are off unless configured. */
export interface DemoHandlerSettings {
  /** Hosts `httpJobHandler` may call (`host`, `host:port`, `*.domain`); empty refuses every host. */
  readonly httpAllowHosts: readonly string[];
  /** Whether `commandJobHandler` runs command lines (otherwise it fails every run, saying how to enable it). */
  readonly commandHandlerEnabled: boolean;
}

export const DEFAULT_DEMO_HANDLER_SETTINGS: DemoHandlerSettings = { httpAllowHosts: [], commandHandlerEnabled: false };

/**
 * The sample handlers of the demo executor, written against the public SDK only, as a user would write them.
 * They mirror XXL-JOB's samples: `demoJobHandler` logs a few lines and succeeds; `shardingJobHandler` shows its
 * shard of a SHARDING_BROADCAST fire; `httpJobHandler` calls an allowed HTTP endpoint; `commandJobHandler` runs a
 * command line when enabled.
 */
export function registerDemoHandlers(executor: Executor, settings: DemoHandlerSettings = DEFAULT_DEMO_HANDLER_SETTINGS): void {
  executor.register("demoJobHandler", async (ctx) => {
    ctx.log("demoJobHandler started with param %j", ctx.param);
    for (let beat = 1; beat <= 5; beat++) {
      if (ctx.signal.aborted) ctx.fail("stopped before finishing");
      ctx.log("beat %d of 5", beat);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return `demoJobHandler done (param ${JSON.stringify(ctx.param)})`;
  });

  executor.register("shardingJobHandler", (ctx) => {
    ctx.log("this is shard %d of %d", ctx.shardIndex, ctx.shardTotal);
    return `shard ${ctx.shardIndex}/${ctx.shardTotal} done`;
  });

  executor.register("httpJobHandler", createHttpJobHandler(new HostAllowList(settings.httpAllowHosts)));
  executor.register("commandJobHandler", createCommandJobHandler(settings.commandHandlerEnabled));
}
