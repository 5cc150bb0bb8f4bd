import { Code } from "@connectrpc/connect";
import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from "react";
import type { User } from "../../../../gen/jobwire/v1/user_pb.js";
import { api, sessionToken, setUnauthenticatedHandler } from "./api/clients.js";
import { toApiError, type ApiError } from "./api/errors.js";
import { ErrorBanner } from "./components/ui.js";
import { ApiKeysPage } from "./pages/api-keys-page.js";
import { AuditPage } from "./pages/audit-page.js";
import { DashboardPage } from "./pages/dashboard-page.js";
import { GroupsPage } from "./pages/groups-page.js";
import { JobsPage } from "./pages/jobs-page.js";
import { LoginPage } from "./pages/login-page.js";
import { PasswordPage } from "./pages/password-page.js";
import { RunPage } from "./pages/run-page.js";
import { RunsPage } from "./pages/runs-page.js";
import { TransferPage } from "./pages/transfer-page.js";
import { UsersPage } from "./pages/users-page.js";
import { Link, matchPath, navigate, useLocation } from "./router.js";
import { isAdmin, SessionContext, type Session } from "./session.js";

// CodeMirror and its script languages are most of the bundle and only the GLUE editor needs them: loaded on demand.
const GluePage = lazy(async () => ({ default: (await import("./pages/glue-page.js")).GluePage }));

interface MenuItem {
  readonly path: string;
  readonly label: string;
  readonly adminOnly?: boolean;
}

const MENU: readonly MenuItem[] = [
  { path: "/", label: "Dashboard" },
  { path: "/jobs", label: "Jobs" },
  { path: "/runs", label: "Runs" },
  { path: "/groups", label: "Executor groups" },
  { path: "/users", label: "Users", adminOnly: true },
  { path: "/api-keys", label: "API keys" },
  { path: "/audit", label: "Audit log", adminOnly: true },
  { path: "/transfer", label: "Import / export" },
];

type Auth = { state: "checking" } | { state: "anonymous" } | { state: "failed"; error: ApiError } | { state: "signed-in"; user: User };

export function App(): ReactNode {
  const [auth, setAuth] = useState<Auth>(() => (sessionToken.get() === undefined ? { state: "anonymous" } : { state: "checking" }));
  const { path } = useLocation();

  const signOut = useCallback(() => {
    sessionToken.clear();
    setAuth({ state: "anonymous" });
  }, []);
  useEffect(() => setUnauthenticatedHandler(signOut), [signOut]);

  // A stored token is checked once at start; an expired one leads to the login page.
  useEffect(() => {
    if (auth.state !== "checking") return;
    api.auth.whoAmI({}).then(
      (response) => (response.user === undefined ? signOut() : setAuth({ state: "signed-in", user: response.user })),
      (error: unknown) => {
        const apiError = toApiError(error);
        if (apiError.code === Code.Unauthenticated) signOut();
        else setAuth({ state: "failed", error: apiError });
      },
    );
  }, [auth.state, signOut]);

  if (auth.state === "checking") return <p className="muted center">Loading…</p>;
  if (auth.state === "failed") return <ErrorBanner error={auth.error} />;
  if (auth.state === "anonymous") {
    return (
      <LoginPage
        onLogin={(user) => {
          setAuth({ state: "signed-in", user });
          if (path === "/login") navigate("/", { replace: true });
        }}
      />
    );
  }
  const session: Session = {
    user: auth.user,
    logout: async () => {
      try {
        await api.auth.logout({});
      } finally {
        signOut();
        navigate("/login", { replace: true });
      }
    },
  };
  return (
    <SessionContext.Provider value={session}>
      <Layout session={session} path={path} />
    </SessionContext.Provider>
  );
}

function Layout(props: { session: Session; path: string }): ReactNode {
  const { user } = props.session;
  const admin = isAdmin(user);
  const active = (item: MenuItem): boolean => (item.path === "/" ? props.path === "/" : props.path.startsWith(item.path));
  return (
    <div className="layout">
      <nav className="sidebar">
        <div className="brand">jobwire</div>
        {MENU.filter((item) => admin || item.adminOnly !== true).map((item) => (
          <Link key={item.path} to={item.path} className={active(item) ? "active" : ""}>
            {item.label}
          </Link>
        ))}
      </nav>
      <div className="main">
        <header className="topbar">
          <span>
            Signed in as <strong data-testid="current-user">{user.username}</strong> ({admin ? "admin" : "normal user"})
          </span>
          <Link to="/password">Change password</Link>
          <button type="button" className="link" onClick={() => void props.session.logout()}>
            Log out
          </button>
        </header>
        <main>{route(props.path, admin)}</main>
      </div>
    </div>
  );
}

function route(path: string, admin: boolean): ReactNode {
  if (path === "/" || path === "/login") return <DashboardPage />;
  if (path === "/jobs") return <JobsPage />;
  const glue = matchPath("/jobs/:id/glue", path);
  if (glue !== undefined) {
    return (
      <Suspense fallback={<p className="muted">Loading the editor…</p>}>
        <GluePage jobId={glue["id"] ?? ""} />
      </Suspense>
    );
  }
  if (path === "/runs") return <RunsPage />;
  const run = matchPath("/runs/:id", path);
  if (run !== undefined) return <RunPage runId={run["id"] ?? ""} />;
  if (path === "/groups") return <GroupsPage />;
  if (path === "/api-keys") return <ApiKeysPage />;
  if (path === "/transfer") return <TransferPage />;
  if (path === "/password") return <PasswordPage />;
  if (admin && path === "/users") return <UsersPage />;
  if (admin && path === "/audit") return <AuditPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at {path}. <Link to="/">Back to the dashboard</Link>
      </p>
    </section>
  );
}
