import { fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { useState, type ReactNode } from "react";
import { ExportJobsResponseSchema, type ImportJobResult } from "../../../../../gen/jobwire/v1/job_service_pb.js";
import { api } from "../api/clients.js";
import { toApiError } from "../api/errors.js";
import { useAction, useGroups } from "../components/hooks.js";
import { ErrorBanner } from "../components/ui.js";

/** Export job definitions to a JSON file (ExportJobs' JSON form) and import such a file, optionally as a dry run. */
export function TransferPage(): ReactNode {
  const groups = useGroups();
  const [group, setGroup] = useState("");
  const exporting = useAction();
  const importing = useAction();
  const [text, setText] = useState("");
  const [validateOnly, setValidateOnly] = useState(true);
  const [results, setResults] = useState<{ validateOnly: boolean; results: ImportJobResult[] } | undefined>(undefined);
  return (
    <section>
      <h1>Import / export</h1>
      <div className="card">
        <h2>Export</h2>
        <div className="toolbar">
          <select aria-label="Executor group" value={group} onChange={(event) => setGroup(event.target.value)}>
            <option value="">All my groups</option>
            {groups.data?.map((candidate) => (
              <option key={candidate.name} value={candidate.name}>
                {candidate.displayName}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="primary"
            disabled={exporting.busy}
            onClick={() =>
              void exporting.run(async () => {
                const response = await api.jobs.exportJobs({ executorGroup: group });
                const blob = new Blob([toJsonString(ExportJobsResponseSchema, response, { prettySpaces: 2 })], { type: "application/json" });
                const link = document.createElement("a");
                link.href = URL.createObjectURL(blob);
                link.download = `jobwire-jobs-${new Date().toISOString().slice(0, 10)}.json`;
                link.click();
                URL.revokeObjectURL(link.href);
              })
            }
          >
            Download export
          </button>
        </div>
        <ErrorBanner error={exporting.error} />
      </div>
      <div className="card">
        <h2>Import</h2>
        <input
          type="file"
          accept="application/json,.json"
          aria-label="Export file"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file !== undefined) void file.text().then(setText);
          }}
        />
        <textarea className="import-text" aria-label="Export JSON" placeholder="…or paste an export here" value={text} onChange={(event) => setText(event.target.value)} />
        <label className="check">
          <input type="checkbox" checked={validateOnly} onChange={(event) => setValidateOnly(event.target.checked)} /> Validate only (store nothing)
        </label>
        <button
          type="button"
          className="primary"
          disabled={importing.busy || text.trim() === ""}
          onClick={() =>
            void importing.run(async () => {
              let parsed;
              try {
                parsed = fromJsonString(ExportJobsResponseSchema, text);
              } catch (error) {
                throw new Error(`The file is not a jobwire export: ${toApiError(error).message}`, { cause: error });
              }
              const response = await api.jobs.importJobs({ jobs: parsed.jobs, validateOnly });
              setResults({ validateOnly, results: response.results });
            })
          }
        >
          {validateOnly ? "Validate" : "Import"}
        </button>
        <ErrorBanner error={importing.error} />
        {results !== undefined && (
          <table>
            <thead>
              <tr>
                <th>Key</th>
                <th>Local job</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {results.results.map((result) => (
                <tr key={result.key}>
                  <td>{result.key}</td>
                  <td>{result.job || "—"}</td>
                  <td>{results.validateOnly ? "valid" : result.created ? "created" : "updated"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
