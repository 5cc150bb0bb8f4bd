import { useEffect, useState, type ReactNode } from "react";
import { GlueType, type GlueVersion } from "../../../../../gen/jobwire/v1/job_pb.js";
import { api } from "../api/clients.js";
import { CodeEditor } from "../components/code-editor.js";
import { useAction, useLoad } from "../components/hooks.js";
import { ErrorBanner, Field, Loading } from "../components/ui.js";
import { enumLabel, formatTime, resourceId } from "../format.js";
import { Link } from "../router.js";

/** XXL-JOB's GLUE IDE: a syntax-highlighted editor, save with a remark, and the version history to restore from. */
export function GluePage(props: { jobId: string }): ReactNode {
  const name = `jobs/${props.jobId}`;
  const job = useLoad(() => api.jobs.getJob({ name }), [name]);
  const versions = useLoad(() => api.jobs.listGlueVersions({ parent: name, pageSize: 30 }), [name]);
  const [source, setSource] = useState("");
  const [remark, setRemark] = useState("");
  const [viewing, setViewing] = useState<GlueVersion | undefined>(undefined);
  const save = useAction();
  const restore = useAction();
  const loadedJob = job.data?.job;
  useEffect(() => {
    if (loadedJob !== undefined) setSource(loadedJob.glueSource);
  }, [loadedJob]);
  const reloadAll = (): void => {
    job.reload();
    versions.reload();
  };
  return (
    <section>
      <h1>
        GLUE editor {loadedJob !== undefined && `· ${loadedJob.displayName} (${enumLabel(GlueType, loadedJob.glueType)})`}
      </h1>
      <p>
        <Link to="/jobs">‹ Jobs</Link>
      </p>
      <Loading error={job.error} loading={job.loading && loadedJob === undefined} />
      {loadedJob !== undefined && (
        <div className="glue">
          <div className="glue-main">
            <p className="muted">
              Current version: {loadedJob.glueRemark || "—"} · {formatTime(loadedJob.glueUpdateTime)}
            </p>
            <CodeEditor value={source} glueType={loadedJob.glueType} onChange={setSource} />
            <form
              className="inline"
              onSubmit={(event) => {
                event.preventDefault();
                void save.run(async () => {
                  await api.jobs.updateGlueSource({ name, glueSource: source, glueRemark: remark });
                  setRemark("");
                  reloadAll();
                });
              }}
            >
              <Field label="Remark" name="glue_remark" error={save.error} hint="4–100 characters">
                <input name="glueRemark" value={remark} onChange={(event) => setRemark(event.target.value)} />
              </Field>
              <button type="submit" className="primary" disabled={save.busy}>
                Save version
              </button>
            </form>
            <ErrorBanner error={save.error} fields={["glue_remark"]} />
          </div>
          <aside className="glue-versions card">
            <h2>Versions</h2>
            <ErrorBanner error={restore.error} />
            <Loading error={versions.error} loading={versions.loading && versions.data === undefined} />
            <ul>
              {versions.data?.glueVersions.map((version) => (
                <li key={version.name} data-version={version.remark}>
                  <div>
                    <strong>{version.remark}</strong>
                    <span className="muted"> {formatTime(version.createTime)} · #{resourceId(version.name)}</span>
                  </div>
                  <button type="button" onClick={() => setViewing(viewing?.name === version.name ? undefined : version)}>
                    {viewing?.name === version.name ? "Hide" : "View"}
                  </button>
                  <button
                    type="button"
                    onClick={() =>
                      void restore.run(async () => {
                        await api.jobs.restoreGlueVersion({ name: version.name });
                        setViewing(undefined);
                        reloadAll();
                      })
                    }
                  >
                    Restore
                  </button>
                  {viewing?.name === version.name && <pre className="source-preview">{version.source}</pre>}
                </li>
              ))}
            </ul>
          </aside>
        </div>
      )}
    </section>
  );
}
