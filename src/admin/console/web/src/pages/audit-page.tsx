import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Fragment, useState, type ReactNode } from "react";
import { api } from "../api/clients.js";
import { useLoad, usePaging } from "../components/hooks.js";
import { Loading, Pager } from "../components/ui.js";
import { formatTime } from "../format.js";

/** The audit log, for administrators: who changed what, with the resource before and after. */
export function AuditPage(): ReactNode {
  const [filter, setFilter] = useState({ actor: "", resource: "", from: "", to: "" });
  const paging = usePaging(JSON.stringify(filter));
  const entries = useLoad(
    () =>
      api.audit.listAuditEntries({
        pageSize: 50,
        pageToken: paging.token,
        actor: filter.actor,
        resourcePrefix: filter.resource,
        ...(filter.from === "" ? {} : { startTime: timestampFromDate(new Date(filter.from)) }),
        ...(filter.to === "" ? {} : { endTime: timestampFromDate(new Date(filter.to)) }),
      }),
    [JSON.stringify(filter), paging.token],
  );
  const [open, setOpen] = useState<string | undefined>(undefined);
  return (
    <section>
      <h1>Audit log</h1>
      <div className="toolbar">
        <input aria-label="Actor" placeholder="users/ID" value={filter.actor} onChange={(event) => setFilter({ ...filter, actor: event.target.value })} />
        <input aria-label="Resource prefix" placeholder="Resource, e.g. jobs/12" value={filter.resource} onChange={(event) => setFilter({ ...filter, resource: event.target.value })} />
        <label>
          From <input type="datetime-local" value={filter.from} onChange={(event) => setFilter({ ...filter, from: event.target.value })} />
        </label>
        <label>
          To <input type="datetime-local" value={filter.to} onChange={(event) => setFilter({ ...filter, to: event.target.value })} />
        </label>
      </div>
      <Loading error={entries.error} loading={entries.loading && entries.data === undefined} />
      {entries.data !== undefined && (
        <>
          <table>
            <thead>
              <tr>
                <th>Time</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Resource</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {entries.data.auditEntries.map((entry) => (
                <Fragment key={entry.name}>
                  <tr data-action={entry.action}>
                    <td>{formatTime(entry.time)}</td>
                    <td>{entry.actorUsername}</td>
                    <td>{entry.action.replace(/^jobwire\.v1\./, "")}</td>
                    <td>{entry.resource}</td>
                    <td>
                      <button type="button" onClick={() => setOpen(open === entry.name ? undefined : entry.name)}>
                        {open === entry.name ? "Hide" : "Changes"}
                      </button>
                    </td>
                  </tr>
                  {open === entry.name && (
                    <tr>
                      <td colSpan={5}>
                        <div className="diff">
                          <pre>{pretty(entry.beforeJson) || "(did not exist)"}</pre>
                          <pre>{pretty(entry.afterJson) || "(deleted)"}</pre>
                        </div>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
          <Pager index={paging.index} nextToken={entries.data.nextPageToken} onNext={paging.next} onPrevious={paging.previous} />
        </>
      )}
    </section>
  );
}

function pretty(json: string): string {
  if (json === "") return "";
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}
