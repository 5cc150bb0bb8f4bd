import { startAdmin } from "../../admin/index.js";
import type { Executor } from "../../executor/index.js";
import { adminOptionsFromArgs } from "./admin.js";
import { startDemoExecutor } from "./executor.js";

export const START_HELP = `Usage: jobwire start [admin options]

Runs an admin and the demo executor together, for trying jobwire out. The admin uses the embedded SQLite
database unless --database-url / JOBWIRE_DATABASE_URL says otherwise. The demo executor registers as app
"jobwire-demo"; its group (and a stopped "Demo job") are created on the first start.
`;

const DEMO_APP = "jobwire-demo";

/** Starts both and returns a function stopping both, executor first so its results reach the admin. */
export async function runStartCommand(argv: readonly string[]): Promise<() => Promise<void>> {
  const admin = await startAdmin(adminOptionsFromArgs(argv));
  let executor: Executor;
  try {
    const { accessToken } = await admin.ensureExecutorGroup(DEMO_APP, "jobwire demo executor", true);
    executor = await startDemoExecutor({
      adminAddresses: [`http://127.0.0.1:${admin.port}`],
      appName: DEMO_APP,
      accessToken,
      host: "127.0.0.1",
      port: Number(process.env["JOBWIRE_EXECUTOR_PORT"] ?? 9999),
    });
  } catch (error) {
    await admin.stop();
    throw error;
  }
  process.stderr.write(`\n  jobwire is running.\n  Admin and console: http://127.0.0.1:${admin.port}/\n  Log in as "admin" (the password was printed at the first start).\n\n`);
  return async () => {
    await executor.stop();
    await admin.stop();
  };
}
