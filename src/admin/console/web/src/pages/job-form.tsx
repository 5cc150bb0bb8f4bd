import { useEffect, useState, type ReactNode } from "react";
import type { ExecutorGroup } from "../../../../../gen/jobwire/v1/executor_group_pb.js";
import { BlockStrategy, GlueType, MisfireStrategy, RetryBackoff, RouteStrategy, ScheduleType, type Job } from "../../../../../gen/jobwire/v1/job_pb.js";
import { api } from "../api/clients.js";
import { toApiError, type ApiError } from "../api/errors.js";
import { useAction } from "../components/hooks.js";
import { ErrorBanner, Field, Modal } from "../components/ui.js";
import { enumLabel, enumValues, formatTime } from "../format.js";
import { draftOf, emptyDraft, GLUE_TEMPLATES, jobOf, scheduleOf, type JobDraft } from "./job-draft.js";

const FIELDS = [
  "job.executor_group", "job.display_name", "job.description", "job.author", "job.alarm.emails", "job.alarm.webhook_urls",
  "job.schedule", "job.glue_type", "job.handler", "job.param", "job.route_strategy", "job.child_jobs", "job.misfire_strategy",
  "job.block_strategy", "job.concurrency", "job.timeout", "job.retry_policy", "job.glue_source",
];

export type JobFormMode = { kind: "create" } | { kind: "edit"; job: Job } | { kind: "copy"; job: Job };

/** Add, edit and copy (a prefilled add, as in XXL-JOB) of a job, with the cron helper's fire time preview. */
export function JobForm(props: { mode: JobFormMode; groups: readonly ExecutorGroup[]; defaultGroup: string; onClose: () => void; onSaved: () => void }): ReactNode {
  const { mode } = props;
  const [draft, setDraft] = useState<JobDraft>(() => {
    if (mode.kind === "create") return emptyDraft(props.defaultGroup || (props.groups[0]?.name ?? ""));
    const base = draftOf(mode.job);
    return mode.kind === "copy" ? { ...base, displayName: `${base.displayName} (copy)` } : base;
  });
  const action = useAction();
  const set = <K extends keyof JobDraft>(key: K, value: JobDraft[K]): void => setDraft((previous) => ({ ...previous, [key]: value }));
  const title = mode.kind === "create" ? "Add job" : mode.kind === "edit" ? `Edit job ${mode.job.name}` : `Copy of ${mode.job.name}`;
  const save = (): void => {
    void action.run(async () => {
      if (mode.kind === "edit") await api.jobs.updateJob({ job: { ...jobOf(draft), glueSource: "", name: mode.job.name, etag: mode.job.etag } });
      else await api.jobs.createJob({ job: jobOf(draft), requestId: crypto.randomUUID() });
      props.onSaved();
    });
  };
  const error = action.error;
  return (
    <Modal title={title} onClose={props.onClose} wide>
      <form
        className="job-form"
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <ErrorBanner error={error} fields={FIELDS} />
        <fieldset>
          <legend>Base</legend>
          <Field label="Executor group" name="job.executor_group" error={error}>
            <select name="executorGroup" value={draft.executorGroup} onChange={(event) => set("executorGroup", event.target.value)}>
              {props.groups.map((group) => (
                <option key={group.name} value={group.name}>
                  {group.displayName} ({group.appName})
                </option>
              ))}
            </select>
          </Field>
          <Field label="Name" name="job.display_name" error={error}>
            <input name="displayName" value={draft.displayName} onChange={(event) => set("displayName", event.target.value)} />
          </Field>
          <Field label="Author" name="job.author" error={error}>
            <input name="author" value={draft.author} onChange={(event) => set("author", event.target.value)} />
          </Field>
          <Field label="Alarm emails" name="job.alarm.emails" error={error} hint="comma-separated">
            <input name="alarmEmails" value={draft.alarmEmails} onChange={(event) => set("alarmEmails", event.target.value)} />
          </Field>
          <Field label="Alarm webhooks" name="job.alarm.webhook_urls" error={error} hint="comma-separated URLs">
            <input name="alarmWebhooks" value={draft.alarmWebhooks} onChange={(event) => set("alarmWebhooks", event.target.value)} />
          </Field>
          <Field label="Description" name="job.description" error={error}>
            <input name="description" value={draft.description} onChange={(event) => set("description", event.target.value)} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>Schedule</legend>
          <Field label="Type" name="job.schedule.type" error={error}>
            <EnumSelect name="scheduleType" enumObject={ScheduleType} value={draft.scheduleType} onChange={(value) => set("scheduleType", value)} />
          </Field>
          {draft.scheduleType === ScheduleType.CRON && (
            <Field label="Cron (Quartz, seconds first)" name="job.schedule.cron" error={error}>
              <input name="cron" value={draft.cron} onChange={(event) => set("cron", event.target.value)} />
            </Field>
          )}
          {(draft.scheduleType === ScheduleType.FIX_RATE || draft.scheduleType === ScheduleType.FIX_DELAY) && (
            <Field label="Interval (seconds)" name="job.schedule.interval" error={error}>
              <input name="interval" inputMode="numeric" value={draft.intervalSeconds} onChange={(event) => set("intervalSeconds", event.target.value)} />
            </Field>
          )}
          {draft.scheduleType !== ScheduleType.NONE && (
            <Field label="Time zone" name="job.schedule.time_zone" error={error} hint="IANA zone; empty means the admin's">
              <input name="timeZone" value={draft.timeZone} placeholder="e.g. Asia/Shanghai" onChange={(event) => set("timeZone", event.target.value)} />
            </Field>
          )}
          <CronHelper draft={draft} onPick={(cron) => set("cron", cron)} />
        </fieldset>
        <fieldset>
          <legend>Job</legend>
          <Field label="Run mode" name="job.glue_type" error={error}>
            <EnumSelect
              name="glueType"
              enumObject={GlueType}
              value={draft.glueType}
              onChange={(value) => setDraft((previous) => ({ ...previous, glueType: value, glueSource: previous.glueSource === "" || mode.kind === "create" ? (GLUE_TEMPLATES[value] ?? "") : previous.glueSource }))}
            />
          </Field>
          {draft.glueType === GlueType.BEAN ? (
            <Field label="Handler" name="job.handler" error={error}>
              <input name="handler" value={draft.handler} onChange={(event) => set("handler", event.target.value)} />
            </Field>
          ) : (
            mode.kind === "edit" && <p className="muted">Edit the script in the GLUE editor.</p>
          )}
          <Field label="Param" name="job.param" error={error}>
            <input name="param" value={draft.param} onChange={(event) => set("param", event.target.value)} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>Advanced</legend>
          <Field label="Route" name="job.route_strategy" error={error}>
            <EnumSelect name="routeStrategy" enumObject={RouteStrategy} value={draft.routeStrategy} onChange={(value) => set("routeStrategy", value)} />
          </Field>
          <Field label="Child job ids" name="job.child_jobs" error={error} hint="comma-separated">
            <input name="childJobs" value={draft.childJobs} onChange={(event) => set("childJobs", event.target.value)} />
          </Field>
          <Field label="Misfire" name="job.misfire_strategy" error={error}>
            <EnumSelect name="misfireStrategy" enumObject={MisfireStrategy} value={draft.misfireStrategy} onChange={(value) => set("misfireStrategy", value)} />
          </Field>
          <Field label="Block" name="job.block_strategy" error={error}>
            <EnumSelect name="blockStrategy" enumObject={BlockStrategy} value={draft.blockStrategy} onChange={(value) => set("blockStrategy", value)} />
          </Field>
          {draft.blockStrategy === BlockStrategy.CONCURRENT && (
            <Field label="Concurrency" name="job.concurrency" error={error}>
              <input name="concurrency" value={draft.concurrency} onChange={(event) => set("concurrency", event.target.value)} />
            </Field>
          )}
          <Field label="Timeout (s, 0 = none)" name="job.timeout" error={error}>
            <input name="timeout" value={draft.timeoutSeconds} onChange={(event) => set("timeoutSeconds", event.target.value)} />
          </Field>
          <Field label="Retries" name="job.retry_policy.max_retries" error={error}>
            <input name="maxRetries" value={draft.maxRetries} onChange={(event) => set("maxRetries", event.target.value)} />
          </Field>
          <Field label="Retry backoff" name="job.retry_policy.backoff" error={error}>
            <EnumSelect name="backoff" enumObject={RetryBackoff} value={draft.backoff} onChange={(value) => set("backoff", value)} />
          </Field>
          <Field label="Retry wait (s)" name="job.retry_policy.initial_interval" error={error}>
            <input name="retryInterval" value={draft.retryIntervalSeconds} onChange={(event) => set("retryIntervalSeconds", event.target.value)} />
          </Field>
        </fieldset>
        <footer>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            {action.busy ? "Saving…" : "Save"}
          </button>
        </footer>
      </form>
    </Modal>
  );
}

export function EnumSelect<E extends number>(props: { name: string; enumObject: Record<string, string | number>; value: E; onChange: (value: E) => void; allowAny?: string }): ReactNode {
  return (
    <select name={props.name} value={props.value} onChange={(event) => props.onChange(Number(event.target.value) as E)}>
      {props.allowAny !== undefined && <option value={0}>{props.allowAny}</option>}
      {enumValues(props.enumObject).map((value) => (
        <option key={value} value={value}>
          {enumLabel(props.enumObject as unknown as Record<number, string>, value)}
        </option>
      ))}
    </select>
  );
}

const CRON_EXAMPLES: Record<string, string> = {
  "every 10 seconds": "0/10 * * * * ?",
  "every minute": "0 * * * * ?",
  "every 5 minutes": "0 0/5 * * * ?",
  hourly: "0 0 * * * ?",
  "daily at 02:00": "0 0 2 * * ?",
  "weekdays at 09:30": "0 30 9 ? * MON-FRI",
  "last day of month 23:00": "0 0 23 L * ?",
};

/** Previews the next five fire times of the schedule being edited (ListNextFireTimes on the unsaved schedule). */
function CronHelper(props: { draft: JobDraft; onPick: (cron: string) => void }): ReactNode {
  const { draft } = props;
  const [preview, setPreview] = useState<{ times: string[]; error: ApiError | undefined }>({ times: [], error: undefined });
  const schedule = scheduleOf(draft);
  const key = JSON.stringify(schedule, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  useEffect(() => {
    if (draft.scheduleType === ScheduleType.NONE) {
      setPreview({ times: [], error: undefined });
      return undefined;
    }
    let current = true;
    // Debounced so typing a cron expression does not send a call per key.
    const timer = setTimeout(() => {
      api.jobs.listNextFireTimes({ schedule, pageSize: 5 }).then(
        (response) => current && setPreview({ times: response.fireTimes.map((time) => formatTime(time)), error: undefined }),
        (error: unknown) => current && setPreview({ times: [], error: toApiError(error) }),
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // `key` is the serialised schedule.
  }, [key]);
  if (draft.scheduleType === ScheduleType.NONE) return null;
  return (
    <div className="cron-helper">
      {draft.scheduleType === ScheduleType.CRON && (
        <div className="examples">
          {Object.entries(CRON_EXAMPLES).map(([label, cron]) => (
            <button type="button" className="chip" key={label} onClick={() => props.onPick(cron)}>
              {label}
            </button>
          ))}
        </div>
      )}
      <div className="next-fires" data-testid="next-fire-times">
        <strong>Next fire times:</strong>
        {preview.error !== undefined ? (
          <span className="field-error" role="alert">
            {preview.error.message}
          </span>
        ) : (
          <ol>
            {preview.times.map((time) => (
              <li key={time}>{time}</li>
            ))}
          </ol>
        )}
      </div>
    </div>
  );
}
