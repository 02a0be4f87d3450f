/**
 * @file The front end's Node.js API: `checkFile` checks a program read through a `Host` (by
 * default `nodeHost`, the file system) with the standard library read from `std/` (parsed once per
 * process). The checking itself is `check-program.ts`, which a browser page runs with an
 * in-memory host.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  checkProgram,
  parseStd,
  type CheckOptions,
  type CheckResult,
  type StdLibrary,
} from "./check-program.js";
import { nodeHost } from "./node-host.js";
import type { Host } from "./source-files.js";

export { type CheckOptions, type CheckResult } from "./check-program.js";
export { nodeHost } from "./node-host.js";
export { maxSourceBytes, type Host } from "./source-files.js";

/** Where the standard library lives: `std/` at the package root (two levels above this file). */
export const stdDir = fileURLToPath(new URL("../../std/", import.meta.url));

let stdCache: StdLibrary | undefined;

/** The standard library, read and parsed once per process; it is the same for every program. */
function loadStd(): StdLibrary {
  const files = existsSync(stdDir) ? readdirSync(stdDir).filter((f) => f.endsWith(".grove")) : [];
  return (stdCache ??= parseStd(files.map((f) => [f, readFileSync(join(stdDir, f), "utf8")])));
}

/** Parses and checks one file with its imports. Never throws on user error. */
export function checkFile(
  entry: string,
  host: Host = nodeHost,
  options: CheckOptions = {},
): CheckResult {
  return checkProgram(entry, host, loadStd(), options);
}
