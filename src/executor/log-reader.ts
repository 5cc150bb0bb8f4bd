import { open, type FileHandle } from "node:fs/promises";

/** One read of a run log. */
export interface LogChunk {
  /** Number of the first line in `lines` (1-based). */
  readonly fromLine: number;
  /** Number of the last line in `lines`, `fromLine - 1` when empty. */
  readonly toLine: number;
  readonly lines: string[];
  /** True when the read reached the end of what the file holds now. */
  readonly eof: boolean;
}

const BLOCK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * Reads a log file line by line from a byte position it remembers, so that a follow stream reads only what was
 * appended since its last read instead of rescanning the file. Lines before `firstLine` are skipped as they are
 * met, which also works when the client asks for a line the file does not hold yet.
 */
export class LogCursor {
  private position = 0;
  private nextLine = 1;

  private constructor(
    private readonly handle: FileHandle,
    private readonly firstLine: number,
  ) {}

  /** Opens a log; undefined when the file does not exist. */
  static async open(file: string, firstLine: number): Promise<LogCursor | undefined> {
    try {
      return new LogCursor(await open(file, "r"), Math.max(1, firstLine));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /**
   * Reads up to `maxLines` complete lines and about `maxBytes` of text (a single longer line is cut to it). A
   * last line without its newline is returned only with `includePartial`, i.e. once the writer has finished;
   * before that it may be half written.
   */
  async read(maxLines: number, maxBytes: number, includePartial: boolean): Promise<LogChunk> {
    const lines: string[] = [];
    let bytes = 0;
    let consumed = 0;
    let pending = Buffer.alloc(0);
    let eof = false;
    const fromLine = Math.max(this.nextLine, this.firstLine);

    while (lines.length < maxLines) {
      const newline = pending.indexOf(NEWLINE);
      if (newline < 0) {
        const block = Buffer.allocUnsafe(BLOCK_BYTES);
        const { bytesRead } = await this.handle.read(block, 0, BLOCK_BYTES, this.position + consumed + pending.length);
        if (bytesRead > 0) {
          pending = Buffer.concat([pending, block.subarray(0, bytesRead)]);
          continue;
        }
        if (includePartial && pending.length > 0) {
          // The writer is done, so a trailing line without a newline is complete after all. If it does not fit
          // this message, eof stays false and it comes in the next one.
          if (this.take(pending, lines, bytes, maxBytes) === undefined) break;
          consumed += pending.length;
        }
        eof = true;
        break;
      }
      const lineBytes = pending.subarray(0, newline);
      const size = this.take(lineBytes, lines, bytes, maxBytes);
      if (size === undefined) break;
      bytes += size;
      consumed += newline + 1;
      pending = pending.subarray(newline + 1);
    }
    this.position += consumed;
    return { fromLine, toLine: fromLine + lines.length - 1, lines, eof };
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /**
   * Accounts for one line: skipped when before `firstLine`, else appended. Returns the bytes it adds to the
   * message, or undefined when it would overflow `maxBytes` and must wait for the next message.
   */
  private take(lineBytes: Buffer, lines: string[], bytes: number, maxBytes: number): number | undefined {
    if (this.nextLine < this.firstLine) {
      this.nextLine += 1;
      return 0;
    }
    if (lines.length > 0 && bytes + lineBytes.length > maxBytes) return undefined;
    const text = lineBytes.subarray(0, maxBytes).toString("utf8");
    lines.push(text.endsWith("\r") ? text.slice(0, -1) : text);
    this.nextLine += 1;
    return Math.min(lineBytes.length, maxBytes);
  }
}
