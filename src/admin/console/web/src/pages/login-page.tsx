import { useState, type ReactNode } from "react";
import type { User } from "../../../../../gen/jobwire/v1/user_pb.js";
import { api, sessionToken } from "../api/clients.js";
import { useAction } from "../components/hooks.js";
import { ErrorBanner, Field } from "../components/ui.js";

const FIELDS = ["username", "password"];

export function LoginPage(props: { onLogin: (user: User) => void }): ReactNode {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [remember, setRemember] = useState(false);
  const action = useAction();
  return (
    <main className="login">
      <form
        className="card"
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(async () => {
            const response = await api.auth.login({ username, password, remember });
            sessionToken.set(response.sessionToken, remember);
            if (response.user !== undefined) props.onLogin(response.user);
          });
        }}
      >
        <h1>jobwire</h1>
        <p className="muted">Sign in to the console</p>
        <ErrorBanner error={action.error} fields={FIELDS} />
        <Field label="Username" name="username" error={action.error}>
          <input name="username" autoComplete="username" value={username} onChange={(event) => setUsername(event.target.value)} autoFocus />
        </Field>
        <Field label="Password" name="password" error={action.error}>
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(event) => setPassword(event.target.value)} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(event) => setRemember(event.target.checked)} /> Remember me for 30 days
        </label>
        <button type="submit" className="primary" disabled={action.busy}>
          {action.busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
