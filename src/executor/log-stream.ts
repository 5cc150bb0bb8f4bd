import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { setTimeout as sleep } from "node:timers/promises";
import { LogResponseSchema, type LogRequest, type LogResponse } from "../gen/jobwire/v1/executor_service_pb.js";
import { LogCursor } from "./log-reader.js";
import { toSafeId } from "./proto-convert.js";
import { runLogPath } from "./run-log.js";

export const DEFAULT_LOG_LINES = 500;
export const MAX_LOG_LINES = 5_000;
/** Keeps each message well below gRPC's usual 4 MiB limit, whatever the line lengths. */
export const MAX_LOG_MESSAGE_BYTES = 1024 * 1024;
const FOLLOW_POLL_MS = 250;

export interface LogStreamDeps {
  readonly logDir: string;
  /** True while the run is queued or running here, i.e. its log may still grow. */
  readonly isActive: (runId: number) => boolean;
}

/**
 * Serves `ExecutorService.Log`: the run's log from `from_line` in messages of at most `max_lines` lines. Without
 * `follow` it sends what the file holds now. With `follow` it polls the file until the run has ended and every
 * line was sent, or until the caller goes away (`ctx.signal`). The last message has `end` set once the run is
 * over here and nothing is left to read.
 */
export async function* streamRunLog(req: LogRequest, ctx: HandlerContext, deps: LogStreamDeps): AsyncGenerator<LogResponse> {
  const runId = toSafeId("run_id", req.runId);
  if (req.triggerTime === undefined) throw new ConnectError("trigger_time: required; it names the day folder of the run's log", Code.InvalidArgument);
  if (req.maxLines < 0 || req.fromLine < 0) throw new ConnectError(`${req.maxLines < 0 ? "max_lines" : "from_line"}: must not be negative`, Code.InvalidArgument);
  const maxLines = req.maxLines === 0 ? DEFAULT_LOG_LINES : Math.min(req.maxLines, MAX_LOG_LINES);
  const file = runLogPath(deps.logDir, runId, timestampMs(req.triggerTime));
  const fromLine = Math.max(1, req.fromLine);
  let cursor = await LogCursor.open(file, fromLine);
  // A run still waiting in its job's queue has no log file yet: that is "nothing yet", not "no such log".
  while (cursor === undefined && deps.isActive(runId)) {
    if (!req.follow) {
      yield create(LogResponseSchema, { fromLine, toLine: fromLine - 1, lines: [], end: false });
      return;
    }
    if (!(await pause(ctx.signal))) return;
    cursor = await LogCursor.open(file, fromLine);
  }
  if (cursor === undefined) throw new ConnectError(`no log of run ${runId} on this executor`, Code.NotFound);

  try {
    for (;;) {
      // Checked before reading: a run seen ended has closed its log, so the read below sees its last line.
      const ended = !deps.isActive(runId);
      const chunk = await cursor.read(maxLines, MAX_LOG_MESSAGE_BYTES, ended);
      const end = chunk.eof && ended;
      // Without follow every read is sent (at least one message); with follow empty polls stay silent.
      if (chunk.lines.length > 0 || end || (!req.follow && chunk.eof)) {
        yield create(LogResponseSchema, { fromLine: chunk.fromLine, toLine: chunk.toLine, lines: chunk.lines, end });
      }
      if (end || (chunk.eof && !req.follow)) return;
      if (chunk.eof && !(await pause(ctx.signal))) return;
    }
  } finally {
    await cursor.close();
  }
}

/** Waits one poll interval; resolves false when the caller cancelled or its deadline passed. */
async function pause(signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(FOLLOW_POLL_MS, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
