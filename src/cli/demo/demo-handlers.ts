import type { Executor } from "../../executor/index.js";

/**
 * The sample handlers of the demo executor, written against the public SDK only, as a user would write them.
 * They mirror XXL-JOB's samples: `demoJobHandler` logs a few lines and succeeds; `shardingJobHandler` shows its
 * shard of a SHARDING_BROADCAST fire.
 */
export function registerDemoHandlers(executor: Executor): void {
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
}
