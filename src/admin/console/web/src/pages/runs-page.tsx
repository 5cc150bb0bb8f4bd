import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useState, type ReactNode } from "react";
import { RunState, TriggerState, TriggerType, type Run } from "../../../../../gen/jobwire/v1/run_pb.js";
import { api } from "../api/clients.js";
import { useAction, useGroups, useJobs, useLoad, usePaging } from "../components/hooks.js";
import { Badge, ErrorBanner, Field, Loading, Modal, Pager } from "../components/ui.js";
import { enumLabel, formatTime, resourceId } from "../format.js";
import { Link, useLocation } from "../router.js";

const FINAL_GROUPS: Record<string, RunState[]> = {
  "": [],
  running: [RunState.PENDING, RunState.RUNNING],
  succeeded: [RunState.SUCCEEDED],
  failed: [RunState.FAILED, RunState.TIMED_OUT, RunState.KILLED, RunState.LOST],
};

export function runBadge(run: Run): ReactNode {
  const tone = run.state === RunState.SUCCEEDED ? "ok" : run.state === RunState.RUNNING || run.state === RunState.PENDING ? "busy" : "bad";
  return (
    <Badge tone={tone}>
      <span data-testid="run-state">{enumLabel(RunState, run.state)}</span>
    </Badge>
  );
}

export function isUnfinished(run: Run): boolean {
  return run.state === RunState.PENDING || run.state === RunState.RUNNING;
}

export function RunsPage(): ReactNode {
  const { query } = useLocation();
  const groups = useGroups();
  const [filter, setFilter] = useState({ group: query.get("group") ?? "", job: query.get("job") ?? "", state: "", from: "", to: "" });
  const paging = usePaging(JSON.stringify(filter));
  const runs = useLoad(
    () =>
      api.runs.listRuns({
        pageSize: 20,
        pageToken: paging.token,
        executorGroup: filter.group,
        job: filter.job,
        states: FINAL_GROUPS[filter.state] ?? [],
        ...(filter.from === "" ? {} : { startTime: timestampFromDate(new Date(filter.from)) }),
        ...(filter.to === "" ? {} : { endTime: timestampFromDate(new Date(filter.to)) }),
      }),
    [JSON.stringify(filter), paging.token],
  );
  const jobs = useJobs(filter.group);
  const jobTitle = (name: string): string => {
    const title = jobs.data?.find((job) => job.name === name)?.displayName;
    return title === undefined ? name : `${title} (${resourceId(name)})`;
  };
  const kill = useAction();
  const [clearing, setClearing] = useState(false);
  return (
    <section>
      <h1>Runs</h1>
      <div className="toolbar">
        <select aria-label="Executor group" value={filter.group} onChange={(event) => setFilter({ ...filter, group: event.target.value })}>
          <option value="">All my groups</option>
          {groups.data?.map((group) => (
            <option key={group.name} value={group.name}>
              {group.displayName}
            </option>
          ))}
        </select>
        <select aria-label="Job" value={filter.job} onChange={(event) => setFilter({ ...filter, job: event.target.value })}>
          <option value="">All jobs</option>
          {filter.job !== "" && jobs.data?.some((job) => job.name === filter.job) !== true && <option value={filter.job}>{filter.job}</option>}
          {jobs.data?.map((job) => (
            <option key={job.name} value={job.name}>
              {job.displayName} ({resourceId(job.name)})
            </option>
          ))}
        </select>
        <select aria-label="State" value={filter.state} onChange={(event) => setFilter({ ...filter, state: event.target.value })}>
          <option value="">Any state</option>
          <option value="running">Running</option>
          <option value="succeeded">Succeeded</option>
          <option value="failed">Failed</option>
        </select>
        <label>
          From <input type="datetime-local" value={filter.from} onChange={(event) => setFilter({ ...filter, from: event.target.value })} />
        </label>
        <label>
          To <input type="datetime-local" value={filter.to} onChange={(event) => setFilter({ ...filter, to: event.target.value })} />
        </label>
        <button type="button" onClick={runs.reload}>
          Refresh
        </button>
        <button type="button" onClick={() => setClearing(true)}>
          Clear runs…
        </button>
      </div>
      <ErrorBanner error={kill.error} />
      <Loading error={runs.error} loading={runs.loading && runs.data === undefined} />
      {runs.data !== undefined && (
        <>
          <table className="runs">
            <thead>
              <tr>
                <th>Run</th>
                <th>Job</th>
                <th>Trigger</th>
                <th>Triggered</th>
                <th>Executor</th>
                <th>Accepted</th>
                <th>State</th>
                <th>Finished</th>
                <th>Message</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {runs.data.runs.map((run) => (
                <tr key={run.name} data-run={run.name}>
                  <td>
                    <Link to={`/runs/${resourceId(run.name)}`}>{resourceId(run.name)}</Link>
                  </td>
                  <td>{jobTitle(run.job)}</td>
                  <td>{enumLabel(TriggerType, run.triggerType)}</td>
                  <td>{formatTime(run.triggerTime)}</td>
                  <td>{run.executorAddress || "—"}</td>
                  <td>{enumLabel(TriggerState, run.triggerState)}</td>
                  <td>{runBadge(run)}</td>
                  <td>{formatTime(run.handleTime)}</td>
                  <td className="message" title={run.handleMessage}>
                    {run.handleMessage.slice(0, 80)}
                  </td>
                  <td className="ops">
                    <Link to={`/runs/${resourceId(run.name)}`}>Log</Link>
                    {isUnfinished(run) && run.triggerState === TriggerState.ACCEPTED && (
                      <button type="button" className="danger" onClick={() => void kill.run(() => api.runs.killRun({ name: run.name })).then((ok) => ok && runs.reload())}>
                        Kill
                      </button>
                    )}
                  </td>
                </tr>
              ))}
              {runs.data.runs.length === 0 && (
                <tr>
                  <td colSpan={10} className="muted">
                    No runs match.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <Pager index={paging.index} nextToken={runs.data.nextPageToken} onNext={paging.next} onPrevious={paging.previous} />
        </>
      )}
      {clearing && <ClearRunsDialog group={filter.group} job={filter.job} onClose={() => setClearing(false)} onCleared={runs.reload} />}
    </section>
  );
}

const CLEAR_POLICIES: Record<string, { label: string; policy: { case: "olderThan"; value: { seconds: bigint } } | { case: "keepLast"; value: number } | { case: "all"; value: boolean } }> = {
  m1: { label: "Older than 1 month", policy: { case: "olderThan", value: { seconds: 30n * 86_400n } } },
  m3: { label: "Older than 3 months", policy: { case: "olderThan", value: { seconds: 90n * 86_400n } } },
  m6: { label: "Older than 6 months", policy: { case: "olderThan", value: { seconds: 180n * 86_400n } } },
  y1: { label: "Older than 1 year", policy: { case: "olderThan", value: { seconds: 365n * 86_400n } } },
  k1: { label: "Keep the latest 1 000", policy: { case: "keepLast", value: 1000 } },
  k10: { label: "Keep the latest 10 000", policy: { case: "keepLast", value: 10_000 } },
  k30: { label: "Keep the latest 30 000", policy: { case: "keepLast", value: 30_000 } },
  k100: { label: "Keep the latest 100 000", policy: { case: "keepLast", value: 100_000 } },
  all: { label: "Delete all finished runs", policy: { case: "all", value: true } },
};

function ClearRunsDialog(props: { group: string; job: string; onClose: () => void; onCleared: () => void }): ReactNode {
  const [choice, setChoice] = useState("m1");
  const action = useAction();
  const [deleted, setDeleted] = useState<bigint | undefined>(undefined);
  return (
    <Modal title="Clear runs" onClose={props.onClose}>
      <p className="muted">
        Scope: {props.group || "all my groups"}
        {props.job !== "" && `, ${props.job}`}. Unfinished runs are never deleted.
      </p>
      <ErrorBanner error={action.error} fields={["policy"]} />
      <Field label="Policy" name="policy" error={action.error}>
        <select value={choice} onChange={(event) => setChoice(event.target.value)}>
          {Object.entries(CLEAR_POLICIES).map(([key, entry]) => (
            <option key={key} value={key}>
              {entry.label}
            </option>
          ))}
        </select>
      </Field>
      {deleted !== undefined && <p role="status">Deleted {deleted.toString()} runs.</p>}
      <footer>
        <button type="button" onClick={props.onClose}>
          Close
        </button>
        <button
          type="button"
          className="danger"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              const policy = CLEAR_POLICIES[choice]?.policy;
              if (policy === undefined) return;
              const response = await api.runs.clearRuns({ executorGroup: props.group, job: props.job, policy });
              setDeleted(response.deletedCount);
              props.onCleared();
            })
          }
        >
          Clear
        </button>
      </footer>
    </Modal>
  );
}
