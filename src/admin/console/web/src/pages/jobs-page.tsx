import { useState, type ReactNode } from "react";
import { GlueType, JobState, ScheduleType, type Job } from "../../../../../gen/jobwire/v1/job_pb.js";
import { api } from "../api/clients.js";
import { useAction, useGroups, useLoad, usePaging } from "../components/hooks.js";
import { Badge, ErrorBanner, Loading, Pager } from "../components/ui.js";
import { durationSeconds, enumLabel, formatTime, resourceId } from "../format.js";
import { Link, navigate, useLocation } from "../router.js";
import { NextFiresDialog, NodesDialog, TriggerDialog } from "./job-dialogs.js";
import { EnumSelect, JobForm, type JobFormMode } from "./job-form.js";

type Dialog = { kind: "form"; mode: JobFormMode } | { kind: "trigger"; job: Job } | { kind: "fires"; job: Job } | { kind: "nodes"; job: Job };

function scheduleText(job: Job): string {
  const schedule = job.schedule;
  switch (schedule?.type) {
    case ScheduleType.CRON:
      return `CRON: ${schedule.cron}`;
    case ScheduleType.FIX_RATE:
      return `FIX_RATE: ${durationSeconds(schedule.interval)} s`;
    case ScheduleType.FIX_DELAY:
      return `FIX_DELAY: ${durationSeconds(schedule.interval)} s`;
    default:
      return "NONE";
  }
}

export function JobsPage(): ReactNode {
  const { query } = useLocation();
  const groups = useGroups();
  const [filter, setFilter] = useState({ group: query.get("group") ?? "", state: JobState.UNSPECIFIED, name: "", handler: "", author: "" });
  const paging = usePaging(JSON.stringify(filter));
  const jobs = useLoad(
    () =>
      api.jobs.listJobs({
        pageSize: 20,
        pageToken: paging.token,
        executorGroup: filter.group,
        state: filter.state,
        displayNameContains: filter.name,
        handlerContains: filter.handler,
        authorContains: filter.author,
      }),
    [JSON.stringify(filter), paging.token],
  );
  const [dialog, setDialog] = useState<Dialog | undefined>(undefined);
  const action = useAction();
  const act = (work: () => Promise<unknown>): void => {
    void action.run(work).then((ok) => ok && jobs.reload());
  };
  const groupList = groups.data ?? [];
  const groupTitle = (name: string): string => groupList.find((group) => group.name === name)?.displayName ?? name;
  return (
    <section>
      <h1>Jobs</h1>
      <div className="toolbar">
        <select aria-label="Executor group" value={filter.group} onChange={(event) => setFilter({ ...filter, group: event.target.value })}>
          <option value="">All my groups</option>
          {groupList.map((group) => (
            <option key={group.name} value={group.name}>
              {group.displayName}
            </option>
          ))}
        </select>
        <EnumSelect name="state" enumObject={JobState} value={filter.state} allowAny="Any state" onChange={(state) => setFilter({ ...filter, state })} />
        <input aria-label="Name contains" placeholder="Name" value={filter.name} onChange={(event) => setFilter({ ...filter, name: event.target.value })} />
        <input aria-label="Handler contains" placeholder="Handler" value={filter.handler} onChange={(event) => setFilter({ ...filter, handler: event.target.value })} />
        <input aria-label="Author contains" placeholder="Author" value={filter.author} onChange={(event) => setFilter({ ...filter, author: event.target.value })} />
        <button type="button" className="primary" disabled={groupList.length === 0} title={groupList.length === 0 ? "Create an executor group first" : ""} onClick={() => setDialog({ kind: "form", mode: { kind: "create" } })}>
          Add job
        </button>
      </div>
      <ErrorBanner error={action.error} />
      <Loading error={jobs.error ?? groups.error} loading={jobs.loading && jobs.data === undefined} />
      {jobs.data !== undefined && (
        <>
          <table className="jobs">
            <thead>
              <tr>
                <th>Id</th>
                <th>Name</th>
                <th>Group</th>
                <th>Schedule</th>
                <th>Run mode</th>
                <th>State</th>
                <th>Next fire</th>
                <th>Author</th>
                <th>Operations</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.jobs.map((job) => (
                <tr key={job.name} data-job={job.displayName}>
                  <td>{resourceId(job.name)}</td>
                  <td>{job.displayName}</td>
                  <td>{groupTitle(job.executorGroup)}</td>
                  <td>{scheduleText(job)}</td>
                  <td>{job.glueType === GlueType.BEAN || job.glueType === GlueType.UNSPECIFIED ? `BEAN: ${job.handler}` : `GLUE ${enumLabel(GlueType, job.glueType)}`}</td>
                  <td>{job.state === JobState.RUNNING ? <Badge tone="ok">running</Badge> : <Badge tone="plain">stopped</Badge>}</td>
                  <td>{formatTime(job.nextFireTime)}</td>
                  <td>{job.author}</td>
                  <td className="ops">
                    <button type="button" onClick={() => setDialog({ kind: "trigger", job })}>
                      Run once
                    </button>
                    {job.state === JobState.RUNNING ? (
                      <button type="button" onClick={() => act(() => api.jobs.stopJob({ name: job.name }))}>
                        Stop
                      </button>
                    ) : (
                      <button type="button" onClick={() => act(() => api.jobs.startJob({ name: job.name }))}>
                        Start
                      </button>
                    )}
                    <button type="button" onClick={() => setDialog({ kind: "form", mode: { kind: "edit", job } })}>
                      Edit
                    </button>
                    <button type="button" onClick={() => setDialog({ kind: "form", mode: { kind: "copy", job } })}>
                      Copy
                    </button>
                    {job.glueType !== GlueType.BEAN && job.glueType !== GlueType.UNSPECIFIED && (
                      <button type="button" onClick={() => navigate(`/jobs/${resourceId(job.name)}/glue`)}>
                        GLUE
                      </button>
                    )}
                    <Link to={`/runs?job=${encodeURIComponent(job.name)}`}>Runs</Link>
                    <button type="button" onClick={() => setDialog({ kind: "fires", job })}>
                      Next fires
                    </button>
                    <button type="button" onClick={() => setDialog({ kind: "nodes", job })}>
                      Nodes
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => window.confirm(`Delete job ${job.displayName} with its runs and GLUE history?`) && act(() => api.jobs.deleteJob({ name: job.name, etag: job.etag }))}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
              {jobs.data.jobs.length === 0 && (
                <tr>
                  <td colSpan={9} className="muted">
                    No jobs match.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <Pager index={paging.index} nextToken={jobs.data.nextPageToken} total={jobs.data.totalSize} onNext={paging.next} onPrevious={paging.previous} />
        </>
      )}
      {dialog?.kind === "form" && (
        <JobForm
          mode={dialog.mode}
          groups={groupList}
          defaultGroup={filter.group}
          onClose={() => setDialog(undefined)}
          onSaved={() => {
            setDialog(undefined);
            jobs.reload();
          }}
        />
      )}
      {dialog?.kind === "trigger" && <TriggerDialog job={dialog.job} onClose={() => setDialog(undefined)} />}
      {dialog?.kind === "fires" && <NextFiresDialog job={dialog.job} onClose={() => setDialog(undefined)} />}
      {dialog?.kind === "nodes" && <NodesDialog group={dialog.job.executorGroup} groups={groupList} onClose={() => setDialog(undefined)} />}
    </section>
  );
}
