/**
 * @file Output paths checked before any work starts: a command that will write a file at the end
 * (`grove predict -o`) first makes sure the file can be written there, so a missing or read-only
 * folder costs one line instead of a finished run and a stack trace. Folders are never created:
 * a mistyped folder is refused, naming it, like a shell redirection into it would be.
 */
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import { visibleText } from "../diag/escape.js";

/** Why a file could not be written at `path`, in a few words; undefined when it can. */
export function outputFileProblem(path: string): string | undefined {
  const shown = `cannot write ${visibleText(path)}`;
  const folder = dirname(path);
  const at = look(path);
  if (typeof at === "string") return `${shown}: ${at}`;
  if (at) {
    if (at.isDirectory()) return `${shown}: it is a folder`;
    if (!at.isFile()) return `${shown}: it exists and is not a regular file`;
    return writable(path) ? undefined : `${shown}: permission denied`;
  }
  const where = `the folder ${visibleText(folder)}`;
  const parent = look(folder);
  if (typeof parent === "string") return `${shown}: ${where}: ${parent}`;
  if (!parent) return `${shown}: ${where} does not exist (create it first)`;
  if (!parent.isDirectory()) return `${shown}: ${visibleText(folder)} is not a folder`;
  return writable(folder) ? undefined : `${shown}: ${where} is not writable`;
}

/**
 * What is at `path`, following links: undefined when nothing is (or a parent is a file), else
 * the error code that hides it (`EACCES`, `ELOOP`, ...).
 */
function look(path: string): Stats | undefined | string {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === undefined) throw e;
    return code === "EACCES" ? "permission denied" : code;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes with `write` and turns a failure of the file system (the disk full, the folder removed
 * since the check) into one line naming the path, instead of a stack trace.
 */
export function writeOutput(path: string, write: () => void): string | undefined {
  try {
    write();
    return undefined;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === undefined) throw e;
    return `cannot write ${visibleText(path)}: ${code}`;
  }
}
