/**
 * @file `grove fmt FILE... [--check] [--write]`: formats .grove files with the Prettier plugin
 * (src/fmt). Without a flag it prints each formatted file; `--check` lists the files that would
 * change and exits 1 if any would; `--write` rewrites changed files in place, atomically (a
 * temporary file in the same folder, then a rename). A file with syntax errors is never
 * rewritten: its diagnostics are printed as `grove check` prints them, and the exit code is 1.
 */
import { chmodSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { visibleText } from "../diag/escape.js";
import { formatGrove } from "../fmt/format.js";
import type { Io } from "./io.js";
import type { CommandOptions } from "./commands.js";

export type FmtOptions = CommandOptions<"fmt">;

/** What happened to one file. */
type Outcome = "same" | "changed" | "failed";

/** Formats each file; returns the exit code (0, or 1 when a file failed or would change). */
export async function fmtCommand(
  files: readonly string[],
  opts: FmtOptions,
  io: Io,
): Promise<number> {
  let code = 0;
  for (const file of files) {
    const outcome = await fmtFile(file, opts, io);
    if (outcome === "failed" || (outcome === "changed" && opts.check)) code = 1;
  }
  return code;
}

async function fmtFile(file: string, opts: FmtOptions, io: Io): Promise<Outcome> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    io.err(`grove fmt: cannot read ${visibleText(file)}: ${reason(e)}\n`);
    return "failed";
  }
  const r = await formatGrove(text, file);
  if (!r.ok) {
    io.err(`${r.errors}\n\ngrove fmt: ${visibleText(file)} has syntax errors; not formatted\n`);
    return "failed";
  }
  const changed = r.text !== text;
  if (opts.check) {
    if (changed) io.out(`${file}\n`);
  } else if (opts.write) {
    if (changed && !writeAtomically(file, r.text, io)) return "failed";
    if (changed) io.out(`formatted ${file}\n`);
  } else io.out(r.text);
  return changed ? "changed" : "same";
}

/** Writes `text` to a temporary file next to `file` (same mode), then renames it over `file`. */
function writeAtomically(file: string, text: string, io: Io): boolean {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.fmt-tmp`);
  try {
    writeFileSync(temp, text);
    chmodSync(temp, statSync(file).mode & 0o7777);
    renameSync(temp, file);
    return true;
  } catch (e) {
    rmSync(temp, { force: true });
    io.err(`grove fmt: cannot write ${visibleText(file)}: ${reason(e)}\n`);
    return false;
  }
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a folder";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return e instanceof Error ? e.message : String(e);
}
