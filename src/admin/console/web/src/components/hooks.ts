import { useCallback, useEffect, useState } from "react";
import type { ExecutorGroup } from "../../../../../gen/jobwire/v1/executor_group_pb.js";
import type { Job } from "../../../../../gen/jobwire/v1/job_pb.js";
import { api } from "../api/clients.js";
import { toApiError, type ApiError } from "../api/errors.js";

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Loads data when `deps` change; errors are kept for display, never swallowed. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => current && setState({ data: undefined, error: toApiError(error), loading: false }),
    );
    return () => {
      current = false;
    };
    // The caller lists the inputs of `load` in `deps`, like useEffect.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((value) => value + 1), []);
  return { ...state, reload };
}

export interface Action {
  readonly busy: boolean;
  readonly error: ApiError | undefined;
  /** Runs `work`, recording its error; resolves true when it succeeded. */
  readonly run: (work: () => Promise<unknown>) => Promise<boolean>;
  readonly clear: () => void;
}

/** State of a user-triggered call: busy while it runs, its error kept next to the form or button. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const run = useCallback(async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (caught) {
      setError(toApiError(caught));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(undefined), []);
  return { busy, error, run, clear };
}

/** Every executor group the caller may see (normal users get only their permitted groups from the admin). */
export function useGroups(): Loaded<ExecutorGroup[]> {
  return useLoad(async () => {
    const groups: ExecutorGroup[] = [];
    let pageToken = "";
    do {
      const page = await api.groups.listExecutorGroups({ pageSize: 500, pageToken });
      groups.push(...page.executorGroups);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    return groups;
  }, []);
}

/** The caller's jobs (first 500, by id), for job pickers and for naming the job of each run. */
export function useJobs(group: string): Loaded<Job[]> {
  return useLoad(async () => (await api.jobs.listJobs({ pageSize: 500, executorGroup: group })).jobs, [group]);
}

/** Token-paged lists: remembers the tokens of the pages before, so "previous" works without a server cursor. */
export function usePaging(resetKey: string): { token: string; index: number; next: (token: string) => void; previous: () => void } {
  const [tokens, setTokens] = useState<string[]>([""]);
  useEffect(() => setTokens([""]), [resetKey]);
  return {
    token: tokens[tokens.length - 1] ?? "",
    index: tokens.length - 1,
    next: (token) => setTokens((list) => [...list, token]),
    previous: () => setTokens((list) => (list.length > 1 ? list.slice(0, -1) : list)),
  };
}
