import { useState, type ReactNode } from "react";
import { AddressType, type ExecutorGroup } from "../../../../../gen/jobwire/v1/executor_group_pb.js";
import { api } from "../api/clients.js";
import { useAction, useGroups, useLoad } from "../components/hooks.js";
import { ErrorBanner, Field, Loading, Modal } from "../components/ui.js";
import { enumLabel, formatTime } from "../format.js";
import { isAdmin, useSession } from "../session.js";
import { EnumSelect } from "./job-form.js";

const FIELDS = ["executor_group.app_name", "executor_group.display_name", "executor_group.address_type", "executor_group.manual_addresses", "access_token"];

/** Executor groups with their online addresses; administrators also create, edit, delete and handle tokens. */
export function GroupsPage(): ReactNode {
  const { user } = useSession();
  const admin = isAdmin(user);
  const groups = useGroups();
  const [editing, setEditing] = useState<ExecutorGroup | "new" | undefined>(undefined);
  const [expanded, setExpanded] = useState<string | undefined>(undefined);
  const [token, setToken] = useState<{ group: string; token: string } | undefined>(undefined);
  const action = useAction();
  return (
    <section>
      <h1>Executor groups</h1>
      {admin && (
        <div className="toolbar">
          <button type="button" className="primary" onClick={() => setEditing("new")}>
            Add group
          </button>
        </div>
      )}
      <ErrorBanner error={action.error} />
      {token !== undefined && (
        <p className="notice" role="status">
          Access token of {token.group}: <code data-testid="access-token">{token.token}</code> — configure it in the group's executors.
        </p>
      )}
      <Loading error={groups.error} loading={groups.loading && groups.data === undefined} />
      <table>
        <thead>
          <tr>
            <th>App name</th>
            <th>Title</th>
            <th>Address type</th>
            <th>Online addresses</th>
            <th>Operations</th>
          </tr>
        </thead>
        <tbody>
          {groups.data?.map((group) => (
            <GroupRow
              key={group.name}
              group={group}
              admin={admin}
              expanded={expanded === group.name}
              onToggle={() => setExpanded(expanded === group.name ? undefined : group.name)}
              onEdit={() => setEditing(group)}
              onDelete={() => window.confirm(`Delete group ${group.appName}?`) && void action.run(() => api.groups.deleteExecutorGroup({ name: group.name })).then((ok) => ok && groups.reload())}
              onRotate={() =>
                window.confirm(`Replace the access token of ${group.appName}? Its executors need the new one.`) &&
                void action.run(async () => setToken({ group: group.appName, token: (await api.groups.rotateExecutorGroupToken({ name: group.name })).accessToken }))
              }
              onReveal={() => void action.run(async () => setToken({ group: group.appName, token: (await api.groups.revealExecutorGroupToken({ name: group.name })).accessToken }))}
            />
          ))}
        </tbody>
      </table>
      {editing !== undefined && (
        <GroupForm
          group={editing === "new" ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSaved={(created) => {
            setEditing(undefined);
            if (created !== undefined) setToken(created);
            groups.reload();
          }}
        />
      )}
    </section>
  );
}

function GroupRow(props: { group: ExecutorGroup; admin: boolean; expanded: boolean; onToggle: () => void; onEdit: () => void; onDelete: () => void; onRotate: () => void; onReveal: () => void }): ReactNode {
  const { group } = props;
  return (
    <>
      <tr data-group={group.appName}>
        <td>{group.appName}</td>
        <td>{group.displayName}</td>
        <td>{enumLabel(AddressType, group.addressType)}</td>
        <td>{group.addresses.length === 0 ? <span className="muted">none</span> : group.addresses.join(", ")}</td>
        <td className="ops">
          <button type="button" onClick={props.onToggle}>
            {props.expanded ? "Hide executors" : "Executors"}
          </button>
          {props.admin && (
            <>
              <button type="button" onClick={props.onEdit}>
                Edit
              </button>
              <button type="button" onClick={props.onReveal}>
                Show token
              </button>
              <button type="button" onClick={props.onRotate}>
                Rotate token
              </button>
              <button type="button" className="danger" onClick={props.onDelete}>
                Delete
              </button>
            </>
          )}
        </td>
      </tr>
      {props.expanded && (
        <tr>
          <td colSpan={5}>
            <Executors group={group.name} />
          </td>
        </tr>
      )}
    </>
  );
}

function Executors(props: { group: string }): ReactNode {
  const loaded = useLoad(() => api.groups.listExecutors({ parent: props.group }), [props.group]);
  if (loaded.data === undefined) return <Loading error={loaded.error} loading={loaded.loading} />;
  if (loaded.data.executors.length === 0) return <p className="muted">No live executor.</p>;
  return (
    <table className="nested">
      <thead>
        <tr>
          <th>Address</th>
          <th>Handlers</th>
          <th>SDK</th>
          <th>Running</th>
          <th>Since</th>
          <th>Last beat</th>
        </tr>
      </thead>
      <tbody>
        {loaded.data.executors.map((executor) => (
          <tr key={executor.address}>
            <td>{executor.address}</td>
            <td>{executor.handlerNames.join(", ")}</td>
            <td>{executor.sdkVersion}</td>
            <td>{executor.runningRunCount}</td>
            <td>{formatTime(executor.firstBeatTime)}</td>
            <td data-testid="last-beat">{formatTime(executor.lastBeatTime)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GroupForm(props: { group: ExecutorGroup | undefined; onClose: () => void; onSaved: (created: { group: string; token: string } | undefined) => void }): ReactNode {
  const existing = props.group;
  const [appName, setAppName] = useState(existing?.appName ?? "");
  const [displayName, setDisplayName] = useState(existing?.displayName ?? "");
  const [addressType, setAddressType] = useState(existing?.addressType || AddressType.AUTO);
  const [manual, setManual] = useState(existing?.manualAddresses.join(", ") ?? "");
  const [accessToken, setAccessToken] = useState("");
  const action = useAction();
  const error = action.error;
  return (
    <Modal title={existing === undefined ? "Add executor group" : `Edit ${existing.appName}`} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const manualAddresses = manual.split(/[,\s]+/).filter((address) => address !== "");
          void action.run(async () => {
            if (existing === undefined) {
              const response = await api.groups.createExecutorGroup({ executorGroup: { appName, displayName, addressType, manualAddresses }, accessToken });
              props.onSaved({ group: appName, token: response.accessToken });
            } else {
              await api.groups.updateExecutorGroup({ executorGroup: { name: existing.name, displayName, addressType, manualAddresses } });
              props.onSaved(undefined);
            }
          });
        }}
      >
        <ErrorBanner error={error} fields={FIELDS} />
        <Field label="App name" name="executor_group.app_name" error={error} hint="4–64 of a-z, 0-9 and -, starting with a letter">
          <input name="appName" value={appName} disabled={existing !== undefined} onChange={(event) => setAppName(event.target.value)} />
        </Field>
        <Field label="Title" name="executor_group.display_name" error={error}>
          <input name="groupTitle" value={displayName} onChange={(event) => setDisplayName(event.target.value)} />
        </Field>
        <Field label="Address type" name="executor_group.address_type" error={error}>
          <EnumSelect name="addressType" enumObject={AddressType} value={addressType} onChange={setAddressType} />
        </Field>
        {addressType === AddressType.MANUAL && (
          <Field label="Manual addresses" name="executor_group.manual_addresses" error={error} hint="comma-separated http(s) URLs">
            <input name="manualAddresses" value={manual} onChange={(event) => setManual(event.target.value)} />
          </Field>
        )}
        {existing === undefined && (
          <Field label="Access token" name="access_token" error={error} hint="empty generates a random one">
            <input name="accessToken" value={accessToken} onChange={(event) => setAccessToken(event.target.value)} />
          </Field>
        )}
        <footer>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={action.busy}>
            Save
          </button>
        </footer>
      </form>
    </Modal>
  );
}
