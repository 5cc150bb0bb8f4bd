import { useState, type ReactNode } from "react";
import type { ExecutorGroup } from "../../../../../gen/jobwire/v1/executor_group_pb.js";
import type { Job } from "../../../../../gen/jobwire/v1/job_pb.js";
import { api } from "../api/clients.js";
import { useAction, useLoad } from "../components/hooks.js";
import { ErrorBanner, Field, Loading, Modal } from "../components/ui.js";
import { formatTime, resourceId } from "../format.js";
import { navigate } from "../router.js";

/**
 * Run once: the param given here replaces the job's (it may be empty, as in XXL-JOB), and an address list
 * overrides routing for this fire only.
 */
export function TriggerDialog(props: { job: Job; onClose: () => void }): ReactNode {
  const [param, setParam] = useState(props.job.param);
  const [addresses, setAddresses] = useState("");
  const action = useAction();
  const [runs, setRuns] = useState<string[] | undefined>(undefined);
  return (
    <Modal title={`Run ${props.job.displayName} once`} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(async () => {
            const list = addresses.split(/[,\s]+/).filter((address) => address !== "");
            const response = await api.jobs.triggerJob({ name: props.job.name, param, addresses: list, requestId: crypto.randomUUID() });
            setRuns(response.runs);
          });
        }}
      >
        <ErrorBanner error={action.error} fields={["param", "addresses"]} />
        <Field label="Param for this run" name="param" error={action.error} hint="replaces the job's param; may be empty">
          <textarea name="triggerParam" value={param} onChange={(event) => setParam(event.target.value)} />
        </Field>
        <Field label="Executor addresses" name="addresses" error={action.error} hint="optional, comma-separated; empty uses the group's">
          <input name="triggerAddresses" value={addresses} placeholder="http://10.0.0.5:9999" onChange={(event) => setAddresses(event.target.value)} />
        </Field>
        {runs !== undefined && (
          <p className="notice" role="status">
            Triggered:{" "}
            {runs.map((run) => (
              <a
                key={run}
                href={`/runs/${resourceId(run)}`}
                onClick={(event) => {
                  event.preventDefault();
                  navigate(`/runs/${resourceId(run)}`);
                }}
              >
                {run}{" "}
              </a>
            ))}
          </p>
        )}
        <footer>
          <button type="button" onClick={props.onClose}>
            Close
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            Run
          </button>
        </footer>
      </form>
    </Modal>
  );
}

export function NextFiresDialog(props: { job: Job; onClose: () => void }): ReactNode {
  const loaded = useLoad(() => api.jobs.listNextFireTimes({ name: props.job.name, pageSize: 5 }), [props.job.name]);
  return (
    <Modal title={`Next fire times of ${props.job.displayName}`} onClose={props.onClose}>
      <Loading error={loaded.error} loading={loaded.loading} />
      {loaded.data !== undefined && (loaded.data.fireTimes.length === 0 ? <p>No fire time ahead.</p> : <ol>{loaded.data.fireTimes.map((time, i) => <li key={i}>{formatTime(time)}</li>)}</ol>)}
    </Modal>
  );
}

/** The online addresses of the job's group (XXL-JOB's "registry nodes"). */
export function NodesDialog(props: { group: string; groups: readonly ExecutorGroup[]; onClose: () => void }): ReactNode {
  const loaded = useLoad(() => api.groups.listExecutors({ parent: props.group }), [props.group]);
  const group = props.groups.find((candidate) => candidate.name === props.group);
  return (
    <Modal title={`Executors of ${group?.displayName ?? props.group}`} onClose={props.onClose}>
      <Loading error={loaded.error} loading={loaded.loading} />
      {loaded.data !== undefined && (
        <table>
          <thead>
            <tr>
              <th>Address</th>
              <th>Last beat</th>
              <th>Running</th>
            </tr>
          </thead>
          <tbody>
            {loaded.data.executors.map((executor) => (
              <tr key={executor.address}>
                <td>{executor.address}</td>
                <td>{formatTime(executor.lastBeatTime)}</td>
                <td>{executor.runningRunCount}</td>
              </tr>
            ))}
            {loaded.data.executors.length === 0 && (
              <tr>
                <td colSpan={3}>No executor online. Routed addresses: {group?.addresses.join(", ") || "none"}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </Modal>
  );
}
