import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useState, type ReactNode } from "react";
import { api } from "../api/clients.js";
import { useAction, useLoad } from "../components/hooks.js";
import { ErrorBanner, Field, Loading } from "../components/ui.js";
import { formatTime } from "../format.js";
import { useLocation } from "../router.js";

const DAY_MS = 86_400_000;

/**
 * API keys: the caller's own (`users/-`), or with `?user=users/ID` another user's, which only administrators may
 * manage (the Users page links here). Create one (its secret is shown once), list, revoke.
 */
export function ApiKeysPage(): ReactNode {
  const owner = useLocation().query.get("user") ?? "users/-";
  const keys = useLoad(() => api.users.listApiKeys({ parent: owner, pageSize: 500 }), [owner]);
  const [label, setLabel] = useState("");
  const [days, setDays] = useState("90");
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const create = useAction();
  const revoke = useAction();
  return (
    <section>
      <h1>API keys {owner === "users/-" ? "" : `of ${owner}`}</h1>
      <p className="muted">Programs send a key as <code>authorization: Bearer &lt;secret&gt;</code>; it acts as its user.</p>
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          void create.run(async () => {
            const expire = new Date(Date.now() + Number(days) * DAY_MS);
            const response = await api.users.createApiKey({ parent: owner, apiKey: { displayName: label, expireTime: timestampFromDate(expire) } });
            setSecret(response.secret);
            setLabel("");
            keys.reload();
          });
        }}
      >
        <Field label="Label" name="api_key.display_name" error={create.error}>
          <input name="keyLabel" value={label} onChange={(event) => setLabel(event.target.value)} />
        </Field>
        <Field label="Valid for (days)" name="api_key.expire_time" error={create.error}>
          <input name="keyDays" value={days} onChange={(event) => setDays(event.target.value)} />
        </Field>
        <button type="submit" className="primary" disabled={create.busy}>
          Create key
        </button>
      </form>
      <ErrorBanner error={create.error} fields={["api_key.display_name", "api_key.expire_time"]} />
      {secret !== undefined && (
        <p className="notice" role="status">
          New key (shown once): <code data-testid="api-key-secret">{secret}</code>
        </p>
      )}
      <ErrorBanner error={revoke.error} />
      <Loading error={keys.error} loading={keys.loading && keys.data === undefined} />
      <table>
        <thead>
          <tr>
            <th>Label</th>
            <th>Prefix</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.data?.apiKeys.map((key) => (
            <tr key={key.name}>
              <td>{key.displayName}</td>
              <td>
                <code>{key.secretPrefix}…</code>
              </td>
              <td>{formatTime(key.createTime)}</td>
              <td>{formatTime(key.expireTime)}</td>
              <td>{formatTime(key.lastUseTime)}</td>
              <td>
                <button type="button" className="danger" onClick={() => window.confirm(`Revoke ${key.displayName}?`) && void revoke.run(() => api.users.deleteApiKey({ name: key.name })).then((ok) => ok && keys.reload())}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
