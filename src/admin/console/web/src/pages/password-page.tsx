import { useState, type ReactNode } from "react";
import { api } from "../api/clients.js";
import { useAction } from "../components/hooks.js";
import { ErrorBanner, Field } from "../components/ui.js";

export function PasswordPage(): ReactNode {
  const [oldPassword, setOldPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [done, setDone] = useState(false);
  const action = useAction();
  const mismatch = repeat !== "" && repeat !== newPassword;
  return (
    <section>
      <h1>Change password</h1>
      <form
        className="narrow"
        onSubmit={(event) => {
          event.preventDefault();
          if (mismatch) return;
          setDone(false);
          void action.run(async () => {
            await api.auth.changePassword({ oldPassword, newPassword });
            setOldPassword("");
            setNewPassword("");
            setRepeat("");
            setDone(true);
          });
        }}
      >
        <ErrorBanner error={action.error} fields={["old_password", "new_password"]} />
        <Field label="Current password" name="old_password" error={action.error}>
          <input name="oldPassword" type="password" autoComplete="current-password" value={oldPassword} onChange={(event) => setOldPassword(event.target.value)} />
        </Field>
        <Field label="New password" name="new_password" error={action.error} hint="8–128 characters">
          <input name="newPassword" type="password" autoComplete="new-password" value={newPassword} onChange={(event) => setNewPassword(event.target.value)} />
        </Field>
        <label className={mismatch ? "field invalid" : "field"}>
          <span className="label">Repeat new password</span>
          <input name="repeatPassword" type="password" autoComplete="new-password" value={repeat} onChange={(event) => setRepeat(event.target.value)} />
          {mismatch && <span className="field-error">does not match</span>}
        </label>
        {done && <p role="status">Password changed. Your other sessions were ended.</p>}
        <button type="submit" className="primary" disabled={action.busy || mismatch}>
          Change password
        </button>
      </form>
    </section>
  );
}
