import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import type { GlueType } from "./types.js";

/** The GLUE types that are scripts, i.e. every type but BEAN. */
export type ScriptGlueType = Exclude<GlueType, "BEAN">;

/** How one script type is run. */
interface ScriptKind {
  /** Programs tried in order on PATH. */
  readonly candidates: readonly string[];
  /** Arguments before the script file. */
  readonly args: readonly string[];
  /** File extension of the written source; some interpreters decide the dialect by it. */
  readonly extension: string;
}

/**
 * NODEJS sources are written as `.cjs` so that they run as CommonJS (`require`, like XXL-JOB's) whatever
 * `package.json` happens to sit above the log directory; ES modules are reachable with `await import()`.
 * Python runs unbuffered (see `scriptEnvironment`) so that its output reaches the log as it is printed.
 */
const SCRIPT_KINDS: Readonly<Record<ScriptGlueType, ScriptKind>> = {
  SHELL: { candidates: ["bash"], args: [], extension: ".sh" },
  PYTHON: { candidates: ["python3", "python"], args: [], extension: ".py" },
  NODEJS: { candidates: ["node"], args: [], extension: ".cjs" },
  PHP: { candidates: ["php"], args: [], extension: ".php" },
  POWERSHELL: { candidates: ["pwsh", "powershell"], args: ["-NoProfile", "-NonInteractive", "-File"], extension: ".ps1" },
};

/** A resolved interpreter: the program and the arguments before the script file. */
export interface Interpreter {
  readonly command: string;
  readonly args: readonly string[];
}

export function scriptExtension(type: ScriptGlueType): string {
  return SCRIPT_KINDS[type].extension;
}

/** Environment of script processes: the executor's, with unbuffered Python output. */
export function scriptEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONUNBUFFERED: "1" };
}

/**
 * Finds the interpreter of each script type on PATH. Found interpreters are remembered; missing ones are
 * looked up again next time, so that installing `php` on a running machine takes effect without a restart.
 * `overrides` (tests, unusual installations) name the program to use for a type instead.
 */
export class InterpreterResolver {
  private readonly found = new Map<ScriptGlueType, Interpreter>();

  constructor(private readonly overrides: Partial<Record<ScriptGlueType, string>> = {}) {}

  /** The interpreter of `type`, or a sentence saying what is missing and how to fix it. */
  async resolve(type: ScriptGlueType): Promise<Interpreter | string> {
    const cached = this.found.get(type);
    if (cached !== undefined) return cached;
    const kind = SCRIPT_KINDS[type];
    const override = this.overrides[type];
    const candidates = override === undefined ? kind.candidates : [override];
    for (const candidate of candidates) {
      const command = await findExecutable(candidate);
      if (command !== undefined) {
        const interpreter = { command, args: kind.args };
        this.found.set(type, interpreter);
        return interpreter;
      }
    }
    // Node itself runs this executor, so NODEJS scripts can always fall back to the same binary.
    if (type === "NODEJS" && override === undefined && /^node(\.exe)?$/i.test(path.basename(process.execPath))) {
      const interpreter = { command: process.execPath, args: kind.args };
      this.found.set(type, interpreter);
      return interpreter;
    }
    const names = candidates.map((name) => `"${name}"`).join(" or ");
    return `GLUE type ${type} needs the ${names} interpreter, which is not installed on this executor's machine (searched PATH: ${process.env["PATH"] ?? ""}); install it, or run the job on an executor that has it`;
  }
}

/** Resolves a program name against PATH (or checks an explicit path); undefined when not executable. */
export async function findExecutable(name: string): Promise<string | undefined> {
  const extensions = process.platform === "win32" ? ["", ...(process.env["PATHEXT"] ?? ".EXE;.CMD;.BAT").split(";")] : [""];
  const directories = name.includes("/") || name.includes("\\") ? [""] : (process.env["PATH"] ?? "").split(path.delimiter).filter((dir) => dir !== "");
  for (const directory of directories) {
    for (const extension of extensions) {
      const candidate = directory === "" ? name + extension : path.join(directory, name + extension);
      try {
        await access(candidate, process.platform === "win32" ? constants.F_OK : constants.X_OK);
        return candidate;
      } catch {
        // not here; try the next directory
      }
    }
  }
  return undefined;
}
