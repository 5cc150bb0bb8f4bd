import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findExecutable, InterpreterResolver } from "../../src/executor/glue-interpreters.js";
import { runLogPath } from "../../src/executor/run-log.js";
import type { LogResponse, RunRequest, RunRequestSchema } from "../../src/gen/jobwire/v1/executor_service_pb.js";
import { GlueType } from "../../src/gen/jobwire/v1/job_pb.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { runRequest } from "./harness.js";
import { pidFromLog, processAlive, waitForExit } from "./processes.js";
import { startExecutorFixture, type ExecutorFixture } from "./test-handlers.js";
import { waitFor } from "./wait-for.js";

/** Starts a background `sleep`, prints its pid and the script's own, then waits for it. */
const SLEEPER = 'sleep 300 &\necho "child-pid=$!"\necho "script-pid=$$"\nwait\n';

describe("GLUE scripts (glueEnabled, over the executor's real HTTP/2 server)", () => {
  let fx: ExecutorFixture;

  beforeAll(async () => {
    fx = await startExecutorFixture({ glueEnabled: true }, { glueKillGraceMs: 300 });
  });

  afterAll(async () => {
    await fx?.close();
  });


  function logOf(req: RunRequest): Promise<string> {
    return readFile(runLogPath(fx.logDir, Number(req.runId), triggerMs(req)), "utf8");
  }

  function triggerMs(req: RunRequest): number {
    return req.triggerTime === undefined ? 0 : timestampMs(req.triggerTime);
  }

  function script(jobId: bigint, glueType: GlueType, glueSource: string, extra: MessageInitShape<typeof RunRequestSchema> = {}): RunRequest {
    return runRequest({ jobId, glueType, glueSource, glueUpdateTime: timestampFromMs(1_700_000_000_000 + Number(jobId)), ...extra });
  }

  describe("success and failure", () => {
    it("runs a shell script with param, shard index and shard total as arguments, streaming stdout and stderr into the run log", async () => {
      const req = script(200n, GlueType.SHELL, 'echo "args: $1|$2|$3"\necho "to stderr" >&2\n', { param: "hello world", shardIndex: 1, shardTotal: 3 });
      await fx.caller.client.run(req);
      const result = await fx.resultOf(req.runId);
      expect(result).toMatchObject({ state: RunState.SUCCEEDED, message: "script exited with code 0" });
      const log = await logOf(req);
      expect(log).toContain("args: hello world|1|3");
      expect(log).toContain("[stderr] to stderr");
    });

    it("fails the run with the exit code and the last stderr lines when the script exits non-zero", async () => {
      const req = script(201n, GlueType.SHELL, 'echo "starting"\necho "bad input: $1" >&2\nexit 3\n', { param: "x" });
      await fx.caller.client.run(req);
      const result = await fx.resultOf(req.runId);
      expect(result.state).toBe(RunState.FAILED);
      expect(result.message).toBe("SHELL script exited with code 3; last stderr lines:\nbad input: x");
    });

    it("runs Python and Node.js scripts with their interpreters", async () => {
      const python = script(202n, GlueType.PYTHON, "import sys\nprint('python got', sys.argv[1:])\n", { param: "p" });
      const node = script(203n, GlueType.NODEJS, "const os = require('node:os');\nconsole.log('node got', process.argv.slice(2).join(','), typeof os.cpus);\n", { param: "n" });
      await fx.caller.client.run(python);
      await fx.caller.client.run(node);
      expect((await fx.resultOf(python.runId)).state).toBe(RunState.SUCCEEDED);
      expect((await fx.resultOf(node.runId)).state).toBe(RunState.SUCCEEDED);
      expect(await logOf(python)).toContain("python got ['p', '0', '1']");
      expect(await logOf(node)).toContain("node got n,0,1 function");
    });

    it.each([
      ["PHP", GlueType.PHP, "php", '<?php echo "php got " . $argv[1] . "\\n";'],
      ["POWERSHELL", GlueType.POWERSHELL, "pwsh", 'Write-Output "pwsh got $($args[0])"'],
    ])("runs %s scripts where the interpreter exists, and otherwise fails the run saying it is not installed", async (name, glueType, program, source) => {
      const installed = (await findExecutable(program)) !== undefined;
      const req = script(BigInt(204 + glueType), glueType, source, { param: "z" });
      await fx.caller.client.run(req);
      const result = await fx.resultOf(req.runId);
      if (installed) {
        expect(result.state).toBe(RunState.SUCCEEDED);
        expect(await logOf(req)).toContain(`${program} got z`);
      } else {
        expect(result.state).toBe(RunState.FAILED);
        expect(result.message).toMatch(new RegExp(`^GLUE type ${name} needs the "${program}"( or "\\w+")? interpreter, which is not installed on this executor's machine`));
      }
    });
  });

  describe("Log", () => {
    it("streams a script's output while it runs when following, and ends with the run", async () => {
      // The script blocks after its first line until it is killed, so "tick 2" never comes.
      const req = script(230n, GlueType.SHELL, 'echo "tick 1"\nsleep 300\necho "tick 2"\n');
      await fx.caller.client.run(req);
      const seen: LogResponse[] = [];
      const following = (async () => {
        for await (const message of fx.caller.client.log({ runId: req.runId, triggerTime: req.triggerTime, follow: true })) seen.push(message);
      })();
      await waitFor("tick 1 to be streamed before the run ends", () => (seen.some((m) => m.lines.some((line) => line.endsWith("tick 1"))) ? true : undefined));
      expect(seen.some((m) => m.end)).toBe(false);
      await fx.caller.client.kill({ target: { case: "runId", value: req.runId } });
      await following;
      expect(seen.at(-1)?.end).toBe(true);
      expect(seen.flatMap((m) => m.lines).at(-1)).toMatch(/ended: KILLED/);
    });
  });

  describe("process trees", () => {
    it("kills the whole process group on Kill: the script and the child it started", async () => {
      const req = script(210n, GlueType.SHELL, SLEEPER);
      await fx.caller.client.run(req);
      const child = await pidFromLog(fx.logDir, req.runId, triggerMs(req), "child-pid");
      const leader = await pidFromLog(fx.logDir, req.runId, triggerMs(req), "script-pid");
      expect(processAlive(child)).toBe(true);
      await fx.caller.client.kill({ target: { case: "runId", value: req.runId }, reason: "tree test" });
      expect(await fx.resultOf(req.runId)).toMatchObject({ state: RunState.KILLED, message: "killed by the admin: tree test" });
      await waitForExit(child, "the background sleep");
      await waitForExit(leader, "the script");
    });

    it("escalates to SIGKILL when the script and its child ignore SIGTERM", async () => {
      const req = script(211n, GlueType.SHELL, `trap '' TERM\n${SLEEPER}`);
      await fx.caller.client.run(req);
      const child = await pidFromLog(fx.logDir, req.runId, triggerMs(req), "child-pid");
      await fx.caller.client.kill({ target: { case: "runId", value: req.runId } });
      expect((await fx.resultOf(req.runId)).state).toBe(RunState.KILLED);
      // The kill grace of this executor is 300 ms; the deadline leaves a slow machine plenty of room.
      await waitForExit(child, "the background sleep that ignores SIGTERM");
    });

    it("terminates the process tree when the run times out", async () => {
      const req = script(212n, GlueType.SHELL, SLEEPER, { timeout: durationFromMs(300) });
      await fx.caller.client.run(req);
      const child = await pidFromLog(fx.logDir, req.runId, triggerMs(req), "child-pid");
      expect(await fx.resultOf(req.runId)).toMatchObject({ state: RunState.TIMED_OUT, message: "run timed out after 300 ms" });
      await waitForExit(child, "the background sleep of the timed-out script");
    });

    it("terminates what a successful script left running in the background", async () => {
      const req = script(213n, GlueType.SHELL, 'sleep 300 &\necho "child-pid=$!"\nexit 0\n');
      await fx.caller.client.run(req);
      expect((await fx.resultOf(req.runId)).state).toBe(RunState.SUCCEEDED);
      const child = await pidFromLog(fx.logDir, req.runId, triggerMs(req), "child-pid");
      await waitForExit(child, "the leftover background sleep");
    });
  });

  describe("executor stop()", () => {
    it("terminates the process tree of a script still running when the grace period ends, and reports it KILLED", async () => {
      const own = await startExecutorFixture({ glueEnabled: true, shutdownGraceMs: 100 }, { glueKillGraceMs: 300 });
      try {
        const req = script(240n, GlueType.SHELL, SLEEPER);
        await own.caller.client.run(req);
        const child = await pidFromLog(own.logDir, req.runId, triggerMs(req), "child-pid");
        const stopping = own.executor.stop();
        await waitForExit(child, "the background sleep of a script running at stop()");
        await stopping;
        expect(own.admin.stored.get(Number(req.runId))).toMatchObject({ state: RunState.KILLED, message: "executor demo-app is shutting down" });
      } finally {
        await own.close();
      }
    });
  });

  describe("sources", () => {
    it("writes the source once per version under gluesource/, reuses it, and replaces it when the version changes", async () => {
      const dir = path.join(fx.logDir, "gluesource");
      const first = script(220n, GlueType.SHELL, 'echo "version one"\n', { glueUpdateTime: timestampFromMs(1_000) });
      await fx.caller.client.run(first);
      await fx.resultOf(first.runId);
      const file = path.join(dir, "220_1000.sh");
      const before = await stat(file);
      expect(before.mode & 0o777).toBe(0o700);

      const again = script(220n, GlueType.SHELL, 'echo "version one"\n', { glueUpdateTime: timestampFromMs(1_000) });
      await fx.caller.client.run(again);
      await fx.resultOf(again.runId);
      const after = await stat(file);
      expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);

      const edited = script(220n, GlueType.SHELL, 'echo "version two"\n', { glueUpdateTime: timestampFromMs(2_000) });
      await fx.caller.client.run(edited);
      await fx.resultOf(edited.runId);
      expect(await logOf(edited)).toContain("version two");
      expect((await readdir(dir)).filter((name) => name.startsWith("220_"))).toEqual(["220_2000.sh"]);
    });

    it("refuses a GLUE run without source as INVALID_ARGUMENT", async () => {
      const error = await fx.caller.client.run(runRequest({ jobId: 221n, glueType: GlueType.SHELL, glueSource: "  " })).catch((e: unknown) => ConnectError.from(e));
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toBe("glue_source: required for GLUE type SHELL: the script to run");
    });

    it("refuses an unknown GLUE type (such as XXL-JOB's Groovy) with a clear reason", async () => {
      const error = await fx.caller.client.run(runRequest({ jobId: 222n, glueType: 42 as GlueType, glueSource: "x" })).catch((e: unknown) => ConnectError.from(e));
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toMatch(/^glue_type: 42 is not a GLUE type this executor knows; .*Java-only types such as Groovy do not exist here/);
    });
  });

  describe("InterpreterResolver", () => {
    it("says which interpreter is missing and how to fix it", async () => {
      const resolver = new InterpreterResolver({ PYTHON: "/nonexistent/python9" });
      expect(await resolver.resolve("PYTHON")).toMatch(/^GLUE type PYTHON needs the "\/nonexistent\/python9" interpreter, which is not installed on this executor's machine .*install it, or run the job on an executor that has it$/);
      expect(await resolver.resolve("SHELL")).toMatchObject({ command: expect.stringMatching(/bash$/) as unknown });
    });
  });
});
