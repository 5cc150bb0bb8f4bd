import { format } from "node:util";
import { describe, expect, it } from "vitest";
import { runProcess } from "../../src/executor/index.js";
import { processAlive, waitForExit } from "./processes.js";
import { waitFor } from "./wait-for.js";

/** The two parts of a run context that runProcess uses, recording the log lines. */
function fakeContext(): { signal: AbortSignal; log: (f: unknown, ...a: unknown[]) => void; lines: string[]; abort: (reason: string) => void } {
  const controller = new AbortController();
  const lines: string[] = [];
  return { signal: controller.signal, log: (f, ...a) => void lines.push(format(f, ...a)), lines, abort: (reason) => controller.abort(new Error(reason)) };
}

describe("runProcess()", () => {
  it("logs stdout and stderr line by line and returns the exit code with the stderr tail", async () => {
    const ctx = fakeContext();
    const outcome = await runProcess(ctx, "bash", ["-c", 'echo "out $1"; echo oops >&2; exit 4', "bash", "arg"]);
    expect(outcome).toMatchObject({ exitCode: 4, signal: null, aborted: false, stderrTail: ["oops"] });
    expect(ctx.lines).toEqual(expect.arrayContaining(["out arg", "[stderr] oops"]));
  });

  it("rejects with the program name and the reason when the program cannot be started", async () => {
    await expect(runProcess(fakeContext(), "jobwire-no-such-program")).rejects.toThrow(/^cannot start "jobwire-no-such-program": spawn jobwire-no-such-program ENOENT$/);
  });

  it("terminates the process tree when the run's signal aborts, and says it was aborted", async () => {
    const ctx = fakeContext();
    const running = runProcess(ctx, "bash", ["-c", 'sleep 300 & echo "child=$!"; wait'], { killGraceMs: 200 });
    const child = await waitFor("the child pid", () => {
      const line = ctx.lines.find((l) => l.startsWith("child="));
      return line === undefined ? undefined : Number(line.slice("child=".length));
    });
    expect(processAlive(child)).toBe(true);
    ctx.abort("killed by the test");
    const outcome = await running;
    expect(outcome.aborted).toBe(true);
    expect(outcome.exitCode === null ? outcome.signal : outcome.exitCode).toBeTruthy();
    await waitForExit(child, "the child of the aborted process");
  });

  it("does not start anything for a run that is already aborted", async () => {
    const ctx = fakeContext();
    ctx.abort("too late");
    await expect(runProcess(ctx, "bash", ["-c", "echo never"])).rejects.toThrow(/bash was not started: the run was already aborted/);
    expect(ctx.lines).toEqual([]);
  });
});
