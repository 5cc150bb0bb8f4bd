import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../shared/logger.js";
import type { RunResultRecord } from "./run-result.js";
import type { RunOutcomeState } from "./types.js";

/** The folder of spooled results under the log directory. */
export const SPOOL_FOLDER = "callback-spool";

const FORMAT = "jobwire-callback-spool/1";
const BATCH_FILE = /^results-\d+-\d+-\d+\.json$/;
const STATES: ReadonlySet<RunOutcomeState> = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT", "KILLED"]);

/**
 * The disk spool of results no admin has acknowledged yet (`<logDir>/callback-spool/`). Each `write` makes one
 * batch file, durable before it is counted: written under a temporary name, fsynced, renamed, and the folder
 * fsynced, so a crash leaves either the whole batch or nothing. A file is deleted once every result in it is
 * acknowledged. `load` reads every batch back at start, which is how results survive an executor restart.
 *
 * File operations run one after the other on a chain, so a deletion never overtakes the write of its file.
 * One executor per log directory: two executors sharing a spool would both replay it (harmlessly, since the
 * admin applies results idempotently, but twice).
 */
export class ResultSpool {
  readonly directory: string;
  /** Run ids still unacknowledged in each batch file. */
  private readonly files = new Map<string, Set<number>>();
  private readonly fileOf = new Map<number, string>();
  private chain: Promise<void> = Promise.resolve();
  private sequence = 0;

  constructor(
    logDir: string,
    private readonly logger: Logger,
  ) {
    this.directory = path.join(logDir, SPOOL_FOLDER);
  }

  /** Number of results on disk and not yet acknowledged. */
  get size(): number {
    return this.fileOf.size;
  }

  isSpooled(runId: number): boolean {
    return this.fileOf.has(runId);
  }

  /**
   * Reads every batch file (oldest first; a later record of a run wins). An unreadable file is renamed to
   * `*.corrupt` and reported, never deleted: it may be the only copy of some results.
   */
  async load(): Promise<RunResultRecord[]> {
    await mkdir(this.directory, { recursive: true });
    const records = new Map<number, RunResultRecord>();
    const names = (await readdir(this.directory)).filter((name) => BATCH_FILE.test(name)).sort(compareBatchNames);
    for (const name of names) {
      const file = path.join(this.directory, name);
      let batch: RunResultRecord[];
      try {
        batch = parseBatch(await readFile(file, "utf8"));
      } catch (error) {
        this.logger.error("a spooled result file is unreadable; it is kept as *.corrupt and its results are not replayed", { file, error });
        await rename(file, `${file}.corrupt`).catch(() => undefined);
        continue;
      }
      const ids = new Set<number>();
      for (const record of batch) {
        this.forgetOne(record.runId);
        records.set(record.runId, record);
        ids.add(record.runId);
        this.fileOf.set(record.runId, name);
      }
      this.files.set(name, ids);
      if (ids.size === 0) this.unlinkLater(name);
    }
    // Temporary files are batches whose write did not finish: nothing in them was ever counted as spooled.
    for (const name of await readdir(this.directory)) {
      if (name.endsWith(".tmp")) await rm(path.join(this.directory, name), { force: true });
    }
    return [...records.values()];
  }

  /** Writes one batch durably; resolves once it is on disk (or rejects if it could not be written). */
  write(records: readonly RunResultRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    this.sequence += 1;
    const name = `results-${Date.now()}-${process.pid}-${this.sequence}.json`;
    const ids = new Set<number>();
    // Registered before the write so that an ack arriving during it is not lost (see `forget`).
    for (const record of records) {
      this.forgetOne(record.runId);
      ids.add(record.runId);
      this.fileOf.set(record.runId, name);
    }
    this.files.set(name, ids);
    const written = this.enqueue(async () => {
      // Acked while waiting for its turn: only what is still unacknowledged goes to disk.
      const pending = records.filter((record) => ids.has(record.runId));
      if (pending.length === 0) return;
      await this.writeDurably(name, pending);
    });
    return written.catch((error: unknown) => {
      for (const runId of ids) if (this.fileOf.get(runId) === name) this.fileOf.delete(runId);
      this.files.delete(name);
      throw error;
    });
  }

  /** Forgets acknowledged results; batch files left without unacknowledged results are deleted. */
  forget(runIds: readonly number[]): void {
    for (const runId of runIds) this.forgetOne(runId);
  }

  /** Resolves when every write and deletion issued so far is done. */
  idle(): Promise<void> {
    return this.chain;
  }

  private forgetOne(runId: number): void {
    const name = this.fileOf.get(runId);
    if (name === undefined) return;
    this.fileOf.delete(runId);
    const ids = this.files.get(name);
    if (ids === undefined) return;
    ids.delete(runId);
    if (ids.size === 0) {
      this.files.delete(name);
      this.unlinkLater(name);
    }
  }

  private unlinkLater(name: string): void {
    void this.enqueue(() => rm(path.join(this.directory, name), { force: true })).catch((error: unknown) => {
      // A leftover file only means its results are re-sent at the next start, which the admin shrugs off.
      this.logger.warn("could not delete an acknowledged spool file", { file: name, error });
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async writeDurably(name: string, records: readonly RunResultRecord[]): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const file = path.join(this.directory, name);
    const temporary = `${file}.tmp`;
    const handle = await open(temporary, "w", 0o600);
    try {
      await handle.writeFile(JSON.stringify({ format: FORMAT, results: records }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    await syncDirectory(this.directory);
  }
}

/** Makes a rename durable; some platforms (Windows) cannot open a directory, where the rename is all we get. */
async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, "r");
    await handle.sync();
  } catch {
    // not supported here
  } finally {
    await handle?.close();
  }
}

/** Orders batch files by creation: time, then process id, then sequence (numerically, not as text). */
function compareBatchNames(a: string, b: string): number {
  const key = (name: string): number[] => name.slice("results-".length, -".json".length).split("-").map(Number);
  const [ka, kb] = [key(a), key(b)];
  for (let i = 0; i < 3; i += 1) {
    const diff = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Parses and checks a batch file; throws on anything that is not a list of well-formed results. */
function parseBatch(text: string): RunResultRecord[] {
  const data = JSON.parse(text) as { format?: unknown; results?: unknown };
  if (data.format !== FORMAT || !Array.isArray(data.results)) throw new Error(`not a ${FORMAT} file`);
  return data.results.map((value: unknown, index) => {
    const record = value as Partial<Record<keyof RunResultRecord, unknown>>;
    const ok =
      typeof record === "object" &&
      record !== null &&
      Number.isSafeInteger(record.runId) &&
      STATES.has(record.state as RunOutcomeState) &&
      typeof record.message === "string" &&
      typeof record.nonRetryable === "boolean" &&
      (record.startTime === undefined || typeof record.startTime === "number") &&
      typeof record.endTime === "number";
    if (!ok) throw new Error(`result ${index} is malformed`);
    return {
      runId: record.runId as number,
      state: record.state as RunOutcomeState,
      message: record.message as string,
      nonRetryable: record.nonRetryable as boolean,
      startTime: record.startTime as number | undefined,
      endTime: record.endTime as number,
    };
  });
}
