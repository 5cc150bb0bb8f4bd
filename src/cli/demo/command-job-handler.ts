import { runProcess, type JobHandler, type RunContext } from "../../executor/index.js";

/**
 * `commandJobHandler`: runs the run's param as a command line through the system shell (`/bin/sh -c`, or
 * `cmd.exe /c` on Windows), with its output in the run log. It runs anything the job says, so it refuses to run
 * unless the executor was started with `--enable-command-handler` (or `JOBWIRE_ENABLE_COMMAND_HANDLER=true`).
 * Killing the run, or its timeout, terminates the command's whole process tree.
 */
export function createCommandJobHandler(enabled: boolean): JobHandler {
  return async (ctx: RunContext) => {
    if (!enabled) {
      ctx.failNonRetryable(
        "commandJobHandler is disabled on this executor because it runs any command line a job sends; start the executor with --enable-command-handler (or JOBWIRE_ENABLE_COMMAND_HANDLER=true) to allow it",
      );
    }
    const command = ctx.param.trim();
    if (command === "") ctx.failNonRetryable('commandJobHandler needs the command line as param, e.g. "ls -l /tmp"');
    const [shell, args] = process.platform === "win32" ? [process.env["ComSpec"] ?? "cmd.exe", ["/d", "/s", "/c", command]] : ["/bin/sh", ["-c", command]];
    ctx.log("running: %s", command);
    const outcome = await runProcess(ctx, shell, args);
    if (outcome.aborted) return;
    if (outcome.exitCode === 0) return "command exited with code 0";
    const how = outcome.exitCode === null ? `was ended by ${outcome.signal ?? "a signal"}` : `exited with code ${outcome.exitCode}`;
    ctx.fail(`command ${how}${outcome.stderrTail.length === 0 ? "" : `; last stderr lines:\n${outcome.stderrTail.join("\n")}`}`);
  };
}
