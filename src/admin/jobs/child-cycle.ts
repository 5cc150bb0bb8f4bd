/**
 * Finds a cycle that giving job `jobId` the children `childIds` would close: a path from one of those children,
 * following child links, back to `jobId`. Returns the path (`[jobId, child, …, jobId]`) or undefined. Child fires
 * of a cycle would trigger each other for ever, so such a save is refused. `childrenOf` reads a job's current
 * children (undefined for a job that does not exist).
 */
export async function findChildCycle(
  jobId: number,
  childIds: readonly number[],
  childrenOf: (id: number) => Promise<readonly number[] | undefined>,
): Promise<number[] | undefined> {
  const visited = new Set<number>();
  const walk = async (id: number, path: number[]): Promise<number[] | undefined> => {
    if (id === jobId) return [...path, id];
    if (visited.has(id)) return undefined;
    visited.add(id);
    for (const next of (await childrenOf(id)) ?? []) {
      const found = await walk(next, [...path, id]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  for (const child of childIds) {
    const found = await walk(child, [jobId]);
    if (found !== undefined) return found;
  }
  return undefined;
}
