import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** A session saved by `jobwire login --save`. */
export interface StoredSession {
  readonly adminUrl: string;
  readonly token: string;
  readonly username: string;
  /** RFC 3339; informational, the admin decides whether the session is still valid. */
  readonly expireTime: string;
}

/** `$JOBWIRE_CONFIG_DIR/session.json`, by default `~/.config/jobwire/session.json`. */
export function sessionFile(): string {
  const dir = process.env["JOBWIRE_CONFIG_DIR"] ?? path.join(process.env["XDG_CONFIG_HOME"] ?? path.join(os.homedir(), ".config"), "jobwire");
  return path.join(dir, "session.json");
}

export function readStoredSession(): StoredSession | undefined {
  try {
    const value = JSON.parse(readFileSync(sessionFile(), "utf8")) as Partial<StoredSession>;
    if (typeof value.adminUrl !== "string" || typeof value.token !== "string") return undefined;
    return { adminUrl: value.adminUrl, token: value.token, username: value.username ?? "", expireTime: value.expireTime ?? "" };
  } catch {
    return undefined;
  }
}

/** Saves the session readable by its owner only: it is a bearer credential. */
export function writeStoredSession(session: StoredSession): string {
  const file = sessionFile();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export function removeStoredSession(): void {
  rmSync(sessionFile(), { force: true });
}
