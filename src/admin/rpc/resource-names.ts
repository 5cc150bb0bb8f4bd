import { InvalidArgumentError } from "../errors.js";

/**
 * Resource names (AIP-122) of the console API: `jobs/12`, `executorGroups/3`, `runs/981`, `users/1`,
 * `users/1/apiKeys/7`, `jobs/12/glueVersions/4`. Ids are positive integers in the database; names keep them
 * opaque to clients.
 */
export const Collections = {
  job: "jobs",
  executorGroup: "executorGroups",
  run: "runs",
  user: "users",
  auditEntry: "auditEntries",
} as const;
export type Collection = (typeof Collections)[keyof typeof Collections];

export function formatName(collection: Collection, id: number): string {
  return `${collection}/${id}`;
}

/** Parses `collection/{id}`; throws INVALID_ARGUMENT naming `field` when the name is empty or malformed. */
export function parseName(field: string, name: string, collection: Collection): number {
  if (name === "") throw new InvalidArgumentError(field, `is required, e.g. "${collection}/1"`);
  const match = /^([A-Za-z]+)\/(\d{1,15})$/.exec(name);
  const id = match === null ? NaN : Number(match[2]);
  if (match?.[1] !== collection || !Number.isSafeInteger(id) || id <= 0) {
    throw new InvalidArgumentError(field, `"${name}" is not a valid name, expected "${collection}/{id}" with a positive id`);
  }
  return id;
}

/** Parses an optional name: an empty string means "not given". */
export function parseOptionalName(field: string, name: string, collection: Collection): number | undefined {
  return name === "" ? undefined : parseName(field, name, collection);
}

/** Parses `parent/{pid}/child/{cid}`, e.g. `jobs/3/glueVersions/9`, into both ids. */
export function parseChildName(field: string, name: string, parent: Collection, child: string): { parentId: number; childId: number } {
  const match = /^([A-Za-z]+)\/(\d{1,15})\/([A-Za-z]+)\/(\d{1,15})$/.exec(name);
  if (match === null || match[1] !== parent || match[3] !== child) {
    throw new InvalidArgumentError(field, `"${name}" is not a valid name, expected "${parent}/{id}/${child}/{id}"`);
  }
  return { parentId: Number(match[2]), childId: Number(match[4]) };
}
