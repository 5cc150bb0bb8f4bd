import { clone, create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { UsageError } from "../args.js";
import { AddressTypeSchema, ExecutorGroupSchema, type Executor, type ExecutorGroup } from "../../gen/jobwire/v1/executor_group_pb.js";
import {
  CreateExecutorGroupResponseSchema,
  GetExecutorGroupResponseSchema,
  ListExecutorGroupsResponseSchema,
  ListExecutorsResponseSchema,
  RotateExecutorGroupTokenResponseSchema,
} from "../../gen/jobwire/v1/executor_group_service_pb.js";
import { CONNECTION_HELP } from "../api/connection.js";
import { printDetail, printJson, printTable } from "../api/output.js";
import { enumLabel, listFlag, parseEnum, resourceName, shortId, timeLabel } from "../api/proto-values.js";
import { fetchPages, firstArg, PAGE_FLAGS, readJsonInput, runResourceCommand, str, type Flags, type SubCommand, type SubCommandInput } from "../api/resource-command.js";

export const GROUPS_HELP = `Usage: jobwire groups <sub-command> [id] [options]

Sub-commands:
  list [--app-name TEXT] [--display-name TEXT] [--page-size N] [--page-token T] [--all]
  get ID
  create --app-name NAME --display-name TEXT [--address-type auto|manual] [--addresses URL,URL]
         [--access-token TOKEN] [--file FILE|-]      prints the group and its access token (shown once)
  update ID [--app-name NAME] [--display-name TEXT] [--address-type auto|manual] [--addresses URL,URL] [--file FILE|-]
  delete ID                                          refused while jobs use the group
  executors ID                                       live executors with their last beat
  rotate-token ID [--access-token TOKEN]             prints the new token (shown once)

${CONNECTION_HELP}
`;

const GROUP_FIELD_FLAGS = {
  file: { type: "string" },
  "app-name": { type: "string" },
  "display-name": { type: "string" },
  "address-type": { type: "string" },
  addresses: { type: "string", multiple: true },
} as const;

/** Applies the field flags; returns the proto names of the fields set (the update mask). */
function applyGroupFlags(group: ExecutorGroup, flags: Flags): string[] {
  const touched: string[] = [];
  const appName = str(flags, "app-name");
  if (appName !== undefined) {
    group.appName = appName;
    touched.push("app_name");
  }
  const displayName = str(flags, "display-name");
  if (displayName !== undefined) {
    group.displayName = displayName;
    touched.push("display_name");
  }
  const addressType = str(flags, "address-type");
  if (addressType !== undefined) {
    group.addressType = parseEnum(AddressTypeSchema, "address-type", addressType);
    touched.push("address_type");
  }
  const addresses = listFlag(flags["addresses"]);
  if (addresses !== undefined) {
    group.manualAddresses = addresses;
    touched.push("manual_addresses");
  }
  return touched;
}

function groupFromFile(file: string): { group: ExecutorGroup; fields: string[] } {
  const json = readJsonInput(file);
  const body = typeof json === "object" && json !== null && !Array.isArray(json) && "executorGroup" in json ? json.executorGroup : json;
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new UsageError(`"${file}" must hold a JSON object (an ExecutorGroup)`);
  try {
    const group = fromJson(ExecutorGroupSchema, body as JsonValue);
    const fields = Object.keys(body).map((key) => ExecutorGroupSchema.fields.find((f) => f.jsonName === key || f.name === key)?.name ?? key);
    return { group, fields: fields.filter((f) => ["app_name", "display_name", "address_type", "manual_addresses"].includes(f)) };
  } catch (error) {
    throw new UsageError(`"${file}" is not an ExecutorGroup: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function showGroup(input: SubCommandInput, group: ExecutorGroup | undefined): void {
  if (input.json) printJson(GetExecutorGroupResponseSchema, create(GetExecutorGroupResponseSchema, group === undefined ? {} : { executorGroup: group }));
  else if (group !== undefined) printDetail(ExecutorGroupSchema, group);
}

const executorRow = (e: Executor): string[] => [e.address, e.handlerNames.join(","), String(e.runningRunCount), e.sdkVersion, timeLabel(e.lastBeatTime)];

const SUB_COMMANDS: Record<string, SubCommand> = {
  list: {
    args: 0,
    flags: { "app-name": { type: "string" }, "display-name": { type: "string" }, ...PAGE_FLAGS },
    async run(input) {
      const { items, next } = await fetchPages(input.flags, async (pageSize, pageToken) => {
        const reply = await input.clients().groups.listExecutorGroups({
          pageSize,
          pageToken,
          appNameContains: str(input.flags, "app-name") ?? "",
          displayNameContains: str(input.flags, "display-name") ?? "",
        });
        return { items: reply.executorGroups, next: reply.nextPageToken };
      });
      if (input.json) printJson(ListExecutorGroupsResponseSchema, create(ListExecutorGroupsResponseSchema, { executorGroups: items, nextPageToken: next }));
      else printTable(["ID", "APP NAME", "DISPLAY NAME", "TYPE", "ADDRESSES"], items.map((g) => [shortId(g.name), g.appName, g.displayName, enumLabel(AddressTypeSchema, g.addressType), g.addresses.join(",")]));
    },
  },
  get: {
    args: 1,
    flags: {},
    async run(input) {
      const { executorGroup } = await input.clients().groups.getExecutorGroup({ name: resourceName("executorGroups", firstArg(input)) });
      showGroup(input, executorGroup);
    },
  },
  create: {
    args: 0,
    flags: { ...GROUP_FIELD_FLAGS, "access-token": { type: "string" } },
    async run(input) {
      const file = str(input.flags, "file");
      const group = file === undefined ? create(ExecutorGroupSchema) : groupFromFile(file).group;
      applyGroupFlags(group, input.flags);
      const reply = await input.clients().groups.createExecutorGroup({ executorGroup: group, accessToken: str(input.flags, "access-token") ?? "" });
      if (input.json) printJson(CreateExecutorGroupResponseSchema, reply);
      else {
        if (reply.executorGroup !== undefined) printDetail(ExecutorGroupSchema, reply.executorGroup);
        process.stdout.write(`accessToken: ${reply.accessToken}\n`);
        process.stderr.write("The access token is shown only this once; give it to the group's executors (JOBWIRE_ACCESS_TOKEN).\n");
      }
    },
  },
  update: {
    args: 1,
    flags: GROUP_FIELD_FLAGS,
    async run(input) {
      const { groups } = input.clients();
      const name = resourceName("executorGroups", firstArg(input));
      const current = (await groups.getExecutorGroup({ name })).executorGroup;
      if (current === undefined) throw new Error(`the admin returned no group for ${name}`);
      const group = clone(ExecutorGroupSchema, current);
      const file = str(input.flags, "file");
      const patch = file === undefined ? undefined : groupFromFile(file);
      if (patch !== undefined) {
        for (const field of patch.fields) {
          const desc = ExecutorGroupSchema.fields.find((f) => f.name === field);
          if (desc !== undefined) (group as unknown as Record<string, unknown>)[desc.localName] = (patch.group as unknown as Record<string, unknown>)[desc.localName];
        }
      }
      const mask = new Set([...(patch?.fields ?? []), ...applyGroupFlags(group, input.flags)]);
      if (mask.size === 0) throw new UsageError("nothing to update: give group field flags or --file");
      group.name = name;
      const reply = await groups.updateExecutorGroup({ executorGroup: group, updateMask: create(FieldMaskSchema, { paths: [...mask] }) });
      showGroup(input, reply.executorGroup);
    },
  },
  delete: {
    args: 1,
    flags: {},
    async run(input) {
      const name = resourceName("executorGroups", firstArg(input));
      await input.clients().groups.deleteExecutorGroup({ name });
      process.stdout.write(input.json ? "{}\n" : `deleted ${name}\n`);
    },
  },
  executors: {
    args: 1,
    flags: PAGE_FLAGS,
    async run(input) {
      const parent = resourceName("executorGroups", firstArg(input));
      const { items, next } = await fetchPages(input.flags, async (pageSize, pageToken) => {
        const reply = await input.clients().groups.listExecutors({ parent, pageSize, pageToken });
        return { items: reply.executors, next: reply.nextPageToken };
      });
      if (input.json) printJson(ListExecutorsResponseSchema, create(ListExecutorsResponseSchema, { executors: items, nextPageToken: next }));
      else printTable(["ADDRESS", "HANDLERS", "RUNNING", "SDK", "LAST BEAT"], items.map(executorRow));
    },
  },
  "rotate-token": {
    args: 1,
    flags: { "access-token": { type: "string" } },
    async run(input) {
      const reply = await input.clients().groups.rotateExecutorGroupToken({
        name: resourceName("executorGroups", firstArg(input)),
        accessToken: str(input.flags, "access-token") ?? "",
      });
      if (input.json) printJson(RotateExecutorGroupTokenResponseSchema, reply);
      else {
        process.stdout.write(`${reply.accessToken}\n`);
        process.stderr.write("The new access token is shown only this once; give it to the group's executors (JOBWIRE_ACCESS_TOKEN).\n");
      }
    },
  },
};

export function runGroupsCommand(argv: readonly string[]): Promise<number> {
  return runResourceCommand(GROUPS_HELP, SUB_COMMANDS, argv);
}
