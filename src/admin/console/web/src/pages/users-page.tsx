import { useState, type ReactNode } from "react";
import { UserRole, type User } from "../../../../../gen/jobwire/v1/user_pb.js";
import { api } from "../api/clients.js";
import { useAction, useGroups, useLoad, usePaging } from "../components/hooks.js";
import { ErrorBanner, Field, Loading, Modal, Pager } from "../components/ui.js";
import { enumLabel, formatTime } from "../format.js";
import { Link } from "../router.js";
import { useSession } from "../session.js";
import { EnumSelect } from "./job-form.js";

const FIELDS = ["user.username", "user.role", "user.permitted_executor_groups", "password"];

/** User management, for administrators: roles, permitted executor groups, passwords. */
export function UsersPage(): ReactNode {
  const session = useSession();
  const [filter, setFilter] = useState({ username: "", role: UserRole.UNSPECIFIED });
  const paging = usePaging(JSON.stringify(filter));
  const users = useLoad(() => api.users.listUsers({ pageSize: 50, pageToken: paging.token, usernameContains: filter.username, role: filter.role }), [JSON.stringify(filter), paging.token]);
  const groups = useGroups();
  const [editing, setEditing] = useState<User | "new" | undefined>(undefined);
  const action = useAction();
  const groupTitle = (name: string): string => groups.data?.find((group) => group.name === name)?.appName ?? name;
  return (
    <section>
      <h1>Users</h1>
      <div className="toolbar">
        <input aria-label="Username contains" placeholder="Username" value={filter.username} onChange={(event) => setFilter({ ...filter, username: event.target.value })} />
        <EnumSelect name="role" enumObject={UserRole} value={filter.role} allowAny="Any role" onChange={(role) => setFilter({ ...filter, role })} />
        <button type="button" className="primary" onClick={() => setEditing("new")}>
          Add user
        </button>
      </div>
      <ErrorBanner error={action.error} />
      <Loading error={users.error} loading={users.loading && users.data === undefined} />
      {users.data !== undefined && (
        <>
          <table>
            <thead>
              <tr>
                <th>Username</th>
                <th>Role</th>
                <th>Executor groups</th>
                <th>Created</th>
                <th>Operations</th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((user) => (
                <tr key={user.name} data-user={user.username}>
                  <td>{user.username}</td>
                  <td>{enumLabel(UserRole, user.role)}</td>
                  <td>{user.role === UserRole.ADMIN ? "all" : user.permittedExecutorGroups.map(groupTitle).join(", ") || "none"}</td>
                  <td>{formatTime(user.createTime)}</td>
                  <td className="ops">
                    <Link to={`/api-keys?user=${encodeURIComponent(user.name)}`}>API keys</Link>
                    {user.name !== session.user.name && (
                      <>
                        <button type="button" onClick={() => setEditing(user)}>
                          Edit
                        </button>
                        <button type="button" className="danger" onClick={() => window.confirm(`Delete user ${user.username}?`) && void action.run(() => api.users.deleteUser({ name: user.name })).then((ok) => ok && users.reload())}>
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager index={paging.index} nextToken={users.data.nextPageToken} onNext={paging.next} onPrevious={paging.previous} />
        </>
      )}
      {editing !== undefined && (
        <Modal title={editing === "new" ? "Add user" : `Edit ${editing.username}`} onClose={() => setEditing(undefined)}>
          <UserForm
            user={editing === "new" ? undefined : editing}
            groups={(groups.data ?? []).map((group) => ({ name: group.name, label: `${group.displayName} (${group.appName})` }))}
            onSaved={() => {
              setEditing(undefined);
              users.reload();
            }}
          />
        </Modal>
      )}
    </section>
  );
}

function UserForm(props: { user: User | undefined; groups: readonly { name: string; label: string }[]; onSaved: () => void }): ReactNode {
  const existing = props.user;
  const [username, setUsername] = useState(existing?.username ?? "");
  const [role, setRole] = useState(existing?.role || UserRole.NORMAL);
  const [permitted, setPermitted] = useState<string[]>(existing?.permittedExecutorGroups ?? []);
  const [password, setPassword] = useState("");
  const action = useAction();
  const error = action.error;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(async () => {
          if (existing === undefined) await api.users.createUser({ user: { username, role, permittedExecutorGroups: permitted }, password });
          else await api.users.updateUser({ user: { name: existing.name, role, permittedExecutorGroups: permitted }, password });
          props.onSaved();
        });
      }}
    >
      <ErrorBanner error={error} fields={FIELDS} />
      <Field label="Username" name="user.username" error={error}>
        <input name="newUsername" value={username} disabled={existing !== undefined} onChange={(event) => setUsername(event.target.value)} />
      </Field>
      <Field label="Role" name="user.role" error={error}>
        <EnumSelect name="userRole" enumObject={UserRole} value={role} onChange={setRole} />
      </Field>
      {role !== UserRole.ADMIN && (
        <Field label="Executor groups" name="user.permitted_executor_groups" error={error}>
          <div className="checks">
            {props.groups.map((group) => (
              <label key={group.name} className="check">
                <input
                  type="checkbox"
                  checked={permitted.includes(group.name)}
                  onChange={(event) => setPermitted(event.target.checked ? [...permitted, group.name] : permitted.filter((name) => name !== group.name))}
                />{" "}
                {group.label}
              </label>
            ))}
          </div>
        </Field>
      )}
      <Field label={existing === undefined ? "Password" : "New password"} name="password" error={error} hint={existing === undefined ? "8–128 characters" : "empty keeps the current one"}>
        <input name="newUserPassword" type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />
      </Field>
      <footer>
        <button type="submit" className="primary" disabled={action.busy}>
          Save
        </button>
      </footer>
    </form>
  );
}
