import { timestampDate } from "@bufbuild/protobuf/wkt";
import { LoginResponseSchema } from "../../gen/jobwire/v1/auth_service_pb.js";
import { parseFlagsAndArgs, setting, UsageError } from "../args.js";
import { adminUrlOf, CONNECTION_FLAGS, connect, describeCallError } from "../api/connection.js";
import { printJson } from "../api/output.js";
import { PASSWORD_FLAGS, passwordFrom } from "../api/password-input.js";
import { removeStoredSession, sessionFile, writeStoredSession } from "../api/session-store.js";

export const LOGIN_HELP = `Usage: jobwire login --username NAME [password] [--remember] [--save | --logout]

Logs in to an admin and prints the session token (use it as JOBWIRE_SESSION), or with --save stores it in
$JOBWIRE_CONFIG_DIR/session.json (default ~/.config/jobwire/session.json, mode 0600), where the API commands
find it when no API key or session is given. --logout ends the stored session and deletes the file.

Options (environment variable in brackets):
  --username NAME         [JOBWIRE_USERNAME]
  --password P            or --password-stdin (first line of stdin)  [JOBWIRE_PASSWORD]
  --remember              a 30-day session instead of 12 hours
  --save                  store the session instead of printing it
  --admin-url URL         [JOBWIRE_ADMIN_URL, default http://127.0.0.1:8080]
  --json                  print the LoginResponse as protobuf JSON
`;

export async function runLoginCommand(argv: readonly string[]): Promise<number> {
  const { flags, args } = (() => {
    try {
      return parseFlagsAndArgs(argv, {
        ...CONNECTION_FLAGS,
        ...PASSWORD_FLAGS,
        username: { type: "string" },
        remember: { type: "boolean" },
        save: { type: "boolean" },
        logout: { type: "boolean" },
      });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error), LOGIN_HELP);
    }
  })();
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`, LOGIN_HELP);
  try {
    if (flags["logout"] === true) {
      await connect(flags).auth.logout({});
      removeStoredSession();
      process.stderr.write("logged out\n");
      return 0;
    }
    const username = setting(flags, "username", "JOBWIRE_USERNAME");
    if (username === undefined) throw new UsageError("--username (or JOBWIRE_USERNAME) is required", LOGIN_HELP);
    const password = passwordFrom(flags, "JOBWIRE_PASSWORD");
    if (password === undefined) throw new UsageError("a password is required: --password, --password-stdin or JOBWIRE_PASSWORD", LOGIN_HELP);
    const reply = await connect(flags, false).auth.login({ username, password, remember: flags["remember"] === true });
    if (flags["save"] === true) {
      const expireTime = reply.expireTime === undefined ? "" : timestampDate(reply.expireTime).toISOString();
      writeStoredSession({ adminUrl: adminUrlOf(flags), token: reply.sessionToken, username, expireTime });
      process.stderr.write(`logged in as ${username}; session stored in ${sessionFile()}${expireTime === "" ? "" : ` until ${expireTime}`}\n`);
    } else if (flags["json"] === true) {
      printJson(LoginResponseSchema, reply);
    } else {
      process.stdout.write(`${reply.sessionToken}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw describeCallError(error);
  }
}
