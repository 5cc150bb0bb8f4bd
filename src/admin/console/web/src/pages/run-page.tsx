import { useEffect, useRef, useState, type ReactNode } from "react";
import { AddressType } from "../../../../../gen/jobwire/v1/executor_group_pb.js";
import { BlockStrategy, RouteStrategy } from "../../../../../gen/jobwire/v1/job_pb.js";
import { TriggerState, TriggerType, type Run } from "../../../../../gen/jobwire/v1/run_pb.js";
import { api } from "../api/clients.js";
import { toApiError, type ApiError } from "../api/errors.js";
import { useAction, useLoad } from "../components/hooks.js";
import { ErrorBanner, Loading } from "../components/ui.js";
import { enumLabel, formatDuration, formatTime, resourceId } from "../format.js";
import { Link } from "../router.js";
import { isUnfinished, runBadge } from "./runs-page.js";

/** One run: its trigger report, its result, and its log, followed live over the TailRunLog stream while it runs. */
export function RunPage(props: { runId: string }): ReactNode {
  const name = `runs/${props.runId}`;
  const loaded = useLoad(() => api.runs.getRun({ name }), [name]);
  const run = loaded.data?.run;
  const kill = useAction();
  const unfinished = run !== undefined && isUnfinished(run);
  // While the run is unfinished its state is re-read every 2 s; the log itself arrives as a stream.
  useEffect(() => {
    if (!unfinished) return undefined;
    const timer = setInterval(loaded.reload, 2000);
    return () => clearInterval(timer);
  }, [unfinished, loaded.reload]);
  return (
    <section>
      <h1>
        Run {props.runId} {run !== undefined && runBadge(run)}
      </h1>
      <p>
        <Link to="/runs">‹ Runs</Link>
        {run !== undefined && (
          <>
            {" · "}
            <Link to={`/runs?job=${encodeURIComponent(run.job)}`}>{run.job}</Link>
          </>
        )}
      </p>
      <Loading error={loaded.error} loading={loaded.loading && run === undefined} />
      <ErrorBanner error={kill.error} />
      {run !== undefined && (
        <>
          {unfinished && run.triggerState === TriggerState.ACCEPTED && (
            <button type="button" className="danger" onClick={() => void kill.run(() => api.runs.killRun({ name })).then(() => loaded.reload())}>
              Kill run
            </button>
          )}
          <div className="run-detail">
            <TriggerReportCard run={run} />
            <div className="card">
              <h2>Result</h2>
              <dl>
                <dt>State</dt>
                <dd>{runBadge(run)}</dd>
                <dt>Finished</dt>
                <dd>{formatTime(run.handleTime)}</dd>
                <dt>Non-retryable</dt>
                <dd>{run.nonRetryable ? "yes" : "no"}</dd>
                <dt>Attempt</dt>
                <dd>
                  {run.attempt} ({run.retriesLeft} retries left)
                </dd>
              </dl>
              <pre className="handle-message" data-testid="handle-message">
                {run.handleMessage || "—"}
              </pre>
            </div>
          </div>
          <RunLog name={name} onEnd={loaded.reload} />
        </>
      )}
    </section>
  );
}

function TriggerReportCard(props: { run: Run }): ReactNode {
  const { run } = props;
  const report = run.triggerReport;
  return (
    <div className="card">
      <h2>Trigger</h2>
      <dl>
        <dt>Type</dt>
        <dd>{enumLabel(TriggerType, run.triggerType)}</dd>
        <dt>Scheduled</dt>
        <dd>{formatTime(run.scheduledTime)}</dd>
        <dt>Triggered</dt>
        <dd>{formatTime(run.triggerTime)}</dd>
        <dt>Accepted</dt>
        <dd>{enumLabel(TriggerState, run.triggerState)}</dd>
        <dt>Param</dt>
        <dd>{run.param || "—"}</dd>
        <dt>Shard</dt>
        <dd>
          {run.shardIndex + 1} / {run.shardTotal}
        </dd>
        {run.originRun !== "" && (
          <>
            <dt>Origin</dt>
            <dd>
              <Link to={`/runs/${resourceId(run.originRun)}`}>{run.originRun}</Link>
            </dd>
          </>
        )}
        {report !== undefined && (
          <>
            <dt>Admin</dt>
            <dd>{report.adminNode}</dd>
            <dt>Route</dt>
            <dd>
              {enumLabel(RouteStrategy, report.routeStrategy)} over {enumLabel(AddressType, report.addressType)} addresses [{report.addresses.join(", ")}]
            </dd>
            <dt>Chosen</dt>
            <dd>{report.chosenAddress || "none"}</dd>
            <dt>Block</dt>
            <dd>{enumLabel(BlockStrategy, report.blockStrategy)}</dd>
            <dt>Timeout</dt>
            <dd>{formatDuration(report.timeout)}</dd>
            <dt>Reply</dt>
            <dd>
              {report.replyCode} {report.replyMessage}
            </dd>
            <dt>Took</dt>
            <dd>{formatDuration(report.duration)}</dd>
            {report.probes.length > 0 && (
              <>
                <dt>Probes</dt>
                <dd>
                  {report.probes.map((probe) => (
                    <div key={probe.address}>
                      {probe.ok ? "✔" : "✘"} {probe.address} {probe.message}
                    </div>
                  ))}
                </dd>
              </>
            )}
          </>
        )}
      </dl>
    </div>
  );
}

/** Streams the log from line 1 and keeps following it until the admin says the run ended. */
function RunLog(props: { name: string; onEnd: () => void }): ReactNode {
  const [lines, setLines] = useState<string[]>([]);
  const [status, setStatus] = useState<"following" | "ended" | "failed">("following");
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  const nextLine = useRef(1);
  const pre = useRef<HTMLPreElement | null>(null);
  // Keeps the newest lines in view while following, unless the reader scrolled up to read older ones.
  const stickToBottom = useRef(true);
  useEffect(() => {
    const element = pre.current;
    if (element !== null && stickToBottom.current) element.scrollTop = element.scrollHeight;
  }, [lines.length]);
  const onEnd = useRef(props.onEnd);
  onEnd.current = props.onEnd;
  useEffect(() => {
    const abort = new AbortController();
    setStatus("following");
    setError(undefined);
    const follow = async (): Promise<void> => {
      for await (const chunk of api.runs.tailRunLog({ name: props.name, fromLine: nextLine.current, follow: true }, { signal: abort.signal })) {
        if (chunk.lines.length > 0) {
          nextLine.current = chunk.toLine + 1;
          setLines((previous) => [...previous, ...chunk.lines]);
        }
        if (chunk.end) {
          setStatus("ended");
          onEnd.current();
          return;
        }
      }
      setStatus("ended");
      onEnd.current();
    };
    follow().catch((caught: unknown) => {
      if (abort.signal.aborted) return;
      setError(toApiError(caught));
      setStatus("failed");
    });
    return () => abort.abort();
  }, [props.name, attempt]);
  return (
    <div className="card">
      <h2>
        Log <span className="muted" data-testid="log-status">{status === "following" ? "following…" : status === "ended" ? "complete" : "interrupted"}</span>
      </h2>
      {error !== undefined && (
        <div className="error-banner" role="alert">
          {error.message}{" "}
          <button type="button" onClick={() => setAttempt((value) => value + 1)}>
            Retry
          </button>
        </div>
      )}
      <pre
        className="log"
        data-testid="run-log"
        ref={pre}
        onScroll={(event) => {
          const element = event.currentTarget;
          stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
        }}
      >
        {lines.map((line, i) => (
          <div key={i}>{line}</div>
        ))}
      </pre>
    </div>
  );
}
