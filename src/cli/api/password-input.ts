import { readFileSync } from "node:fs";
import { UsageError } from "../args.js";
import { str, type Flags } from "./resource-command.js";

/** Flags that supply a password without it having to appear in the process list. */
export const PASSWORD_FLAGS = {
  password: { type: "string" },
  "password-stdin": { type: "boolean" },
} as const;

/**
 * The password from `--password-stdin` (first line of standard input), `--password`, else the environment
 * variable `env`; undefined when none is given.
 */
export function passwordFrom(flags: Flags, env: string): string | undefined {
  if (flags["password-stdin"] === true) {
    const line = readFileSync(0, "utf8").split(/\r?\n/)[0] ?? "";
    if (line === "") throw new UsageError("--password-stdin read an empty password");
    return line;
  }
  const flag = str(flags, "password");
  if (flag !== undefined) return flag;
  const fromEnv = process.env[env];
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}
