import { clone, create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { UsageError } from "../args.js";
import { UserRoleSchema, UserSchema, type ApiKey, type User } from "../../gen/jobwire/v1/user_pb.js";
import { CreateApiKeyResponseSchema, GetUserResponseSchema, ListApiKeysResponseSchema, ListUsersResponseSchema } from "../../gen/jobwire/v1/user_service_pb.js";
import { CONNECTION_HELP } from "../api/connection.js";
import { printDetail, printJson, printTable } from "../api/output.js";
import { PASSWORD_FLAGS, passwordFrom } from "../api/password-input.js";
import { enumLabel, listFlag, parseDuration, parseEnum, resourceName, shortId, timeLabel } from "../api/proto-values.js";
import { fetchPages, firstArg, PAGE_FLAGS, runResourceCommand, str, type Flags, type SubCommand, type SubCommandInput } from "../api/resource-command.js";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";

export const USERS_HELP = `Usage: jobwire users <sub-command> [id] [options]   (administrators only, except api-keys of "-")

Sub-commands:
  list [--username TEXT] [--role admin|normal] [--page-size N] [--page-token T] [--all]
  get ID
  create --username NAME --role admin|normal [--groups ID,ID] (--password P | --password-stdin | JOBWIRE_NEW_PASSWORD)
  update ID [--role admin|normal] [--groups ID,ID] [--password P | --password-stdin]
  delete ID
  api-keys list USER                                  USER is an id, users/ID, or - for yourself
  api-keys create USER --display-name TEXT [--expires 90d]   prints the secret (shown once)
  api-keys delete KEY                                 KEY is users/ID/apiKeys/KEY_ID

${CONNECTION_HELP}
`;

const USER_FLAGS = { role: { type: "string" }, groups: { type: "string", multiple: true }, ...PASSWORD_FLAGS } as const;

function applyUserFlags(user: User, flags: Flags): string[] {
  const touched: string[] = [];
  const role = str(flags, "role");
  if (role !== undefined) {
    user.role = parseEnum(UserRoleSchema, "role", role);
    touched.push("role");
  }
  const groups = listFlag(flags["groups"]);
  if (groups !== undefined) {
    user.permittedExecutorGroups = groups.map((g) => resourceName("executorGroups", g));
    touched.push("permitted_executor_groups");
  }
  return touched;
}

function showUser(input: SubCommandInput, user: User | undefined): void {
  if (input.json) printJson(GetUserResponseSchema, create(GetUserResponseSchema, user === undefined ? {} : { user }));
  else if (user !== undefined) printDetail(UserSchema, user);
}

/** `users/-` for `-`, `users/3` for `3`. */
const userName = (id: string): string => (id === "-" ? "users/-" : resourceName("users", id));

const keyRow = (key: ApiKey): string[] => [key.name, key.displayName, key.secretPrefix, timeLabel(key.createTime), timeLabel(key.expireTime), timeLabel(key.lastUseTime)];

async function apiKeys(input: SubCommandInput): Promise<void> {
  const [action, target, ...extra] = input.args;
  if (target === undefined || extra.length > 0) throw new UsageError('"api-keys" takes an action (list, create, delete) and one USER or KEY');
  const { users } = input.clients();
  switch (action) {
    case "list": {
      const { items, next } = await fetchPages(input.flags, async (pageSize, pageToken) => {
        const reply = await users.listApiKeys({ parent: userName(target), pageSize, pageToken });
        return { items: reply.apiKeys, next: reply.nextPageToken };
      });
      if (input.json) printJson(ListApiKeysResponseSchema, create(ListApiKeysResponseSchema, { apiKeys: items, nextPageToken: next }));
      else printTable(["NAME", "DISPLAY NAME", "PREFIX", "CREATED", "EXPIRES", "LAST USED"], items.map(keyRow));
      return;
    }
    case "create": {
      const displayName = str(input.flags, "display-name");
      if (displayName === undefined) throw new UsageError("api-keys create needs --display-name");
      const expires = str(input.flags, "expires");
      const lifetime = expires === undefined ? undefined : parseDuration("expires", expires);
      const reply = await users.createApiKey({
        parent: userName(target),
        apiKey: { displayName, ...(lifetime === undefined ? {} : { expireTime: timestampFromMs(Date.now() + Number(lifetime.seconds) * 1_000) }) },
      });
      if (input.json) printJson(CreateApiKeyResponseSchema, reply);
      else {
        if (reply.apiKey !== undefined) printTable(["NAME", "DISPLAY NAME", "PREFIX", "CREATED", "EXPIRES", "LAST USED"], [keyRow(reply.apiKey)]);
        process.stdout.write(`secret: ${reply.secret}\n`);
        process.stderr.write("The secret is shown only this once; use it as JOBWIRE_API_KEY or --api-key.\n");
      }
      return;
    }
    case "delete":
      await users.deleteApiKey({ name: target });
      process.stdout.write(input.json ? "{}\n" : `deleted ${target}\n`);
      return;
    default:
      throw new UsageError(`unknown api-keys action "${action ?? ""}" (list, create, delete)`);
  }
}

const SUB_COMMANDS: Record<string, SubCommand> = {
  list: {
    args: 0,
    flags: { username: { type: "string" }, role: { type: "string" }, ...PAGE_FLAGS },
    async run(input) {
      const role = str(input.flags, "role");
      const { items, next } = await fetchPages(input.flags, async (pageSize, pageToken) => {
        const reply = await input.clients().users.listUsers({
          pageSize,
          pageToken,
          usernameContains: str(input.flags, "username") ?? "",
          role: role === undefined ? 0 : parseEnum(UserRoleSchema, "role", role),
        });
        return { items: reply.users, next: reply.nextPageToken };
      });
      if (input.json) printJson(ListUsersResponseSchema, create(ListUsersResponseSchema, { users: items, nextPageToken: next }));
      else printTable(["ID", "USERNAME", "ROLE", "GROUPS"], items.map((u) => [shortId(u.name), u.username, enumLabel(UserRoleSchema, u.role), u.permittedExecutorGroups.map(shortId).join(",")]));
    },
  },
  get: {
    args: 1,
    flags: {},
    async run(input) {
      const { user } = await input.clients().users.getUser({ name: userName(firstArg(input)) });
      showUser(input, user);
    },
  },
  create: {
    args: 0,
    flags: { username: { type: "string" }, ...USER_FLAGS },
    async run(input) {
      const user = create(UserSchema, { username: str(input.flags, "username") ?? "" });
      applyUserFlags(user, input.flags);
      const password = passwordFrom(input.flags, "JOBWIRE_NEW_PASSWORD") ?? "";
      const reply = await input.clients().users.createUser({ user, password });
      showUser(input, reply.user);
    },
  },
  update: {
    args: 1,
    flags: USER_FLAGS,
    async run(input) {
      const { users } = input.clients();
      const name = userName(firstArg(input));
      const current = (await users.getUser({ name })).user;
      if (current === undefined) throw new Error(`the admin returned no user for ${name}`);
      const user = clone(UserSchema, current);
      const mask = applyUserFlags(user, input.flags);
      const password = passwordFrom(input.flags, "JOBWIRE_NEW_PASSWORD");
      if (mask.length === 0 && password === undefined) throw new UsageError("nothing to update: give --role, --groups or a password");
      user.name = name;
      const reply = await users.updateUser({ user, updateMask: create(FieldMaskSchema, { paths: mask }), password: password ?? "" });
      showUser(input, reply.user);
    },
  },
  delete: {
    args: 1,
    flags: {},
    async run(input) {
      const name = userName(firstArg(input));
      await input.clients().users.deleteUser({ name });
      process.stdout.write(input.json ? "{}\n" : `deleted ${name}\n`);
    },
  },
  "api-keys": {
    flags: { "display-name": { type: "string" }, expires: { type: "string" }, ...PAGE_FLAGS },
    run: apiKeys,
  },
};

export function runUsersCommand(argv: readonly string[]): Promise<number> {
  return runResourceCommand(USERS_HELP, SUB_COMMANDS, argv);
}
