import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type {
  ExecutorGroupService} from "../../../gen/jobwire/v1/executor_group_service_pb.js";
import {
  type CreateExecutorGroupRequest,
} from "../../../gen/jobwire/v1/executor_group_service_pb.js";
import {
  AddressType,
  ExecutorQueueDepthSchema,
  ExecutorSchema,
  type ExecutorGroup as ProtoExecutorGroup,
} from "../../../gen/jobwire/v1/executor_group_pb.js";
import { generateAccessToken } from "../../auth/secrets.js";
import { recordAudit } from "../../audit/index.js";
import type { AdminContext } from "../../context.js";
import { ADDRESS_TYPES, type ExecutorGroup } from "../../domain/index.js";
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../errors.js";
import { isHttpUrl } from "../../jobs/job-validation.js";
import {
  countJobsInGroup,
  deleteGroup,
  lockGroup,
  deleteRegistryEntriesOfApp,
  getGroup,
  inTransaction,
  insertGroup,
  listGroups,
  UniqueViolationError,
  updateGroup,
} from "../../persistence/index.js";
import { liveAddressesByApp, listLiveEntries } from "../../registry/live-addresses.js";
import { executorGroupToProto } from "../convert/executor-group.js";
import { fromProtoEnum } from "../convert/enums.js";
import { decodePageToken, encodePageToken, nextPageToken, resolvePageSize, withCursor } from "../paging.js";
import { assertGroupAccess, requireAdmin, requireUser } from "../principal-guards.js";
import { Collections, formatName, parseName } from "../resource-names.js";

const APP_NAME = /^[a-z][a-z0-9-]{3,63}$/;
const ACCESS_TOKEN = /^[A-Za-z0-9._~-]{16,128}$/;
const UPDATABLE = ["display_name", "address_type", "manual_addresses"] as const;
/** Bounds of a manual address list: enough for any real group, small enough to keep the row and the UI sane. */
const MAX_MANUAL_ADDRESSES = 100;
const MAX_ADDRESS_LENGTH = 255;
const action = (method: string): string => `jobwire.v1.ExecutorGroupService/${method}`;

/**
 * Refuses an app name executors could not register under: 4–64 characters, a lowercase letter first, then a-z,
 * 0-9 and "-". The one rule for groups created here and by a job import.
 */
export function checkAppName(field: string, appName: string): void {
  if (!APP_NAME.test(appName)) throw new InvalidArgumentError(field, `"${appName}" must be 4–64 characters, start with a lowercase letter and contain only a-z, 0-9 and "-"`);
}

/** Console service for executor groups. Mutations and tokens are for administrators only. */
export function createExecutorGroupService(app: AdminContext): ServiceImpl<typeof ExecutorGroupService> {
  const toProto = async (group: ExecutorGroup): Promise<ProtoExecutorGroup> => {
    const live = await liveAddressesByApp(app.db, [group.appName], app.now(), app.options.deadTimeoutMs);
    return executorGroupToProto(group, live.get(group.appName) ?? []);
  };
  const load = async (field: string, name: string): Promise<ExecutorGroup> => {
    const group = await getGroup(app.db, parseName(field, name, Collections.executorGroup));
    if (group === undefined) throw new NotFoundError(name);
    return group;
  };

  return {
    async getExecutorGroup(req, ctx) {
      const user = requireUser(ctx);
      const group = await load("name", req.name);
      assertGroupAccess(user, group.id, req.name);
      return { executorGroup: await toProto(group) };
    },

    async listExecutorGroups(req, ctx) {
      const user = requireUser(ctx);
      const filters = { app: req.appNameContains, title: req.displayNameContains };
      const limit = resolvePageSize(req.pageSize, 50, 500);
      const page = await listGroups(
        app.db,
        {
          ...(req.appNameContains === "" ? {} : { appNameContains: req.appNameContains }),
          ...(req.displayNameContains === "" ? {} : { titleContains: req.displayNameContains }),
          ...(user.role === "ADMIN" ? {} : { ids: [...user.permittedGroupIds] }),
        },
        withCursor(limit, decodePageToken(req.pageToken, filters)),
      );
      const live = await liveAddressesByApp(app.db, page.items.map((g) => g.appName), app.now(), app.options.deadTimeoutMs);
      return {
        executorGroups: page.items.map((g) => executorGroupToProto(g, live.get(g.appName) ?? [])),
        nextPageToken: nextPageToken(page.nextCursor, filters),
      };
    },

    async createExecutorGroup(req, ctx) {
      const user = requireAdmin(ctx);
      const draft = groupDraftFromRequest(req);
      const accessToken = req.accessToken === "" ? generateAccessToken() : req.accessToken;
      if (!ACCESS_TOKEN.test(accessToken)) throw new InvalidArgumentError("access_token", "must be 16–128 characters from [A-Za-z0-9._~-]");
      try {
        const group = await inTransaction(app.db, async (trx) => {
          const created = await insertGroup(trx, { ...draft, accessToken }, app.now());
          await recordAudit(trx, user, { action: action("CreateExecutorGroup"), resource: formatName(Collections.executorGroup, created.id), after: created }, app.now());
          return created;
        });
        // The only time the token is shown besides an administrator's explicit reveal.
        return { executorGroup: await toProto(group), accessToken };
      } catch (error) {
        if (error instanceof UniqueViolationError) throw new AlreadyExistsError(`an executor group with app_name "${draft.appName}" already exists`);
        throw error;
      }
    },

    async updateExecutorGroup(req, ctx) {
      const user = requireAdmin(ctx);
      const input = req.executorGroup;
      if (input === undefined) throw new InvalidArgumentError("executor_group", "is required");
      const current = await load("executor_group.name", input.name);
      const paths = req.updateMask?.paths.length ? req.updateMask.paths : [...UPDATABLE];
      for (const path of paths) {
        if (!(UPDATABLE as readonly string[]).includes(path)) {
          throw new InvalidArgumentError("update_mask", `"${path}" cannot be updated; updatable fields: ${UPDATABLE.join(", ")}`);
        }
      }
      const merged = {
        title: paths.includes("display_name") ? input.displayName.trim() : current.title,
        addressType: paths.includes("address_type") ? fromProtoEnum(AddressType, input.addressType, ADDRESS_TYPES, "executor_group.address_type", "AUTO") : current.addressType,
        manualAddresses: paths.includes("manual_addresses") ? normalizeAddresses(input.manualAddresses) : [...current.manualAddresses],
      };
      validateTitleAndAddresses(merged.title, merged.addressType, merged.manualAddresses);
      const updated = await inTransaction(app.db, async (trx) => {
        const after = await updateGroup(trx, current.id, merged, app.now());
        if (after === undefined) throw new NotFoundError(input.name);
        await recordAudit(trx, user, { action: action("UpdateExecutorGroup"), resource: input.name, before: current, after }, app.now());
        return after;
      });
      return { executorGroup: await toProto(updated) };
    },

    async deleteExecutorGroup(req, ctx) {
      const user = requireAdmin(ctx);
      const group = await load("name", req.name);
      await inTransaction(app.db, async (trx) => {
        // Locked first, as saving a job into the group does: a job created meanwhile is counted here, or its save
        // finds the group gone.
        if ((await lockGroup(trx, group.id)) === undefined) throw new NotFoundError(req.name);
        const jobs = await countJobsInGroup(trx, group.id);
        if (jobs > 0) throw new FailedPreconditionError(`executor group "${group.appName}" is used by ${jobs} job(s); move or delete them first`);
        if (!(await deleteGroup(trx, group.id))) throw new NotFoundError(req.name);
        // Its executors' registrations go too: they could no longer authenticate, and a new group with the same
        // app name must not inherit them.
        await deleteRegistryEntriesOfApp(trx, group.appName);
        await recordAudit(trx, user, { action: action("DeleteExecutorGroup"), resource: req.name, before: group }, app.now());
      });
      return {};
    },

    async listExecutors(req, ctx) {
      const user = requireUser(ctx);
      const group = await load("parent", req.parent);
      assertGroupAccess(user, group.id, req.parent);
      const entries = (await listLiveEntries(app.db, [group.appName], app.now(), app.options.deadTimeoutMs)).sort((a, b) => a.address.localeCompare(b.address));
      const limit = resolvePageSize(req.pageSize, 100, 1_000);
      const offset = decodePageToken(req.pageToken, { parent: req.parent }) ?? 0;
      const slice = entries.slice(offset, offset + limit);
      return {
        executors: slice.map((e) =>
          create(ExecutorSchema, {
            name: `${req.parent}/executors/${encodeURIComponent(e.address)}`,
            address: e.address,
            handlerNames: [...e.handlerNames],
            sdkVersion: e.sdkVersion,
            runningRunCount: e.runningRunIds.length,
            queueDepths: Object.entries(e.queueDepths).map(([jobId, queued]) => create(ExecutorQueueDepthSchema, { job: formatName(Collections.job, Number(jobId)), queued })),
            firstBeatTime: timestampFromMs(e.firstBeatTime),
            lastBeatTime: timestampFromMs(e.lastBeatTime),
          }),
        ),
        nextPageToken: offset + limit < entries.length ? encodePageToken(offset + limit, { parent: req.parent }) : "",
      };
    },

    async rotateExecutorGroupToken(req, ctx) {
      const user = requireAdmin(ctx);
      const group = await load("name", req.name);
      const accessToken = req.accessToken === "" ? generateAccessToken() : req.accessToken;
      if (!ACCESS_TOKEN.test(accessToken)) throw new InvalidArgumentError("access_token", "must be 16–128 characters from [A-Za-z0-9._~-]");
      const updated = await inTransaction(app.db, async (trx) => {
        const after = await updateGroup(trx, group.id, { accessToken }, app.now());
        if (after === undefined) throw new NotFoundError(req.name);
        // recordAudit masks accessToken in before/after: the entry says that the token changed, never what it is.
        await recordAudit(trx, user, { action: action("RotateExecutorGroupToken"), resource: req.name, before: group, after }, app.now());
        return after;
      });
      return { executorGroup: await toProto(updated), accessToken };
    },

    async revealExecutorGroupToken(req, ctx) {
      const user = requireAdmin(ctx);
      const group = await load("name", req.name);
      // Not a change, but disclosing a secret is worth a trace of who saw it and when (the value is masked).
      await recordAudit(app.db, user, { action: action("RevealExecutorGroupToken"), resource: req.name }, app.now());
      return { accessToken: group.accessToken };
    },
  };
}

function groupDraftFromRequest(req: CreateExecutorGroupRequest): Pick<ExecutorGroup, "appName" | "title" | "addressType" | "manualAddresses"> {
  const input = req.executorGroup;
  if (input === undefined) throw new InvalidArgumentError("executor_group", "is required");
  const appName = input.appName.trim();
  checkAppName("executor_group.app_name", appName);
  const title = input.displayName.trim();
  const addressType = fromProtoEnum(AddressType, input.addressType, ADDRESS_TYPES, "executor_group.address_type", "AUTO");
  const manualAddresses = normalizeAddresses(input.manualAddresses);
  validateTitleAndAddresses(title, addressType, manualAddresses);
  return { appName, title, addressType, manualAddresses };
}

/** Trims, checks (by the request's index, so the error names the entry the caller sent), de-duplicates and sorts. */
function normalizeAddresses(addresses: readonly string[]): string[] {
  const field = "executor_group.manual_addresses";
  if (addresses.length > MAX_MANUAL_ADDRESSES) throw new InvalidArgumentError(field, `must list at most ${MAX_MANUAL_ADDRESSES} addresses`);
  const normalized = addresses.map((raw, i) => {
    const address = raw.trim().replace(/\/+$/, "");
    if (address.length > MAX_ADDRESS_LENGTH) throw new InvalidArgumentError(`${field}[${i}]`, `must be at most ${MAX_ADDRESS_LENGTH} characters`);
    if (!isHttpUrl(address)) throw new InvalidArgumentError(`${field}[${i}]`, `"${address}" is not an http(s) URL such as "http://10.0.0.5:9999"`);
    return address;
  });
  return [...new Set(normalized)].sort();
}

/** Checks the title, and that a MANUAL group has addresses (each address was checked by normalizeAddresses). */
function validateTitleAndAddresses(title: string, addressType: string, manualAddresses: readonly string[]): void {
  if (title === "") throw new InvalidArgumentError("executor_group.display_name", "is required");
  if (title.length > 64) throw new InvalidArgumentError("executor_group.display_name", "must be at most 64 characters");
  if (addressType === "MANUAL" && manualAddresses.length === 0) {
    throw new InvalidArgumentError("executor_group.manual_addresses", "must list at least one address for a MANUAL group");
  }
}
