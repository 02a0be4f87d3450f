/**
 * @file `grove check FILE...`: checks each file and prints its diagnostics (rich, short or JSON);
 * exit 1 when any has an error.
 */
import { hasErrors } from "../diag/diagnostic.js";
import { renderDiagnostics } from "../diag/render.js";
import { checkFile, nodeHost } from "../parser/program.js";
import type { CommandOptions } from "./commands.js";
import type { Io } from "./io.js";

export function checkCommand(
  files: readonly string[],
  opts: CommandOptions<"check">,
  io: Io,
): number {
  const format = opts.format;
  const options = { settings: opts.set, importRoot: opts.importRoot };
  let failed = false;
  const json: unknown[] = [];
  for (const file of files) {
    const r = checkFile(file, nodeHost, options);
    failed ||= hasErrors(r.diagnostics);
    if (format === "json") {
      json.push(...(JSON.parse(renderDiagnostics(r.diagnostics, r.sources, "json")) as unknown[]));
      continue;
    }
    if (r.diagnostics.length > 0)
      io.err(
        renderDiagnostics(r.diagnostics, r.sources, format) + (format === "rich" ? "\n\n" : "\n"),
      );
    else if (format === "rich") io.out(`${file}: ok\n`);
  }
  if (format === "json") io.out(JSON.stringify(json, null, 2) + "\n");
  else if (format === "rich" && failed) {
    const n = files.length;
    io.err(`grove check: errors found (${n} file${n === 1 ? "" : "s"} checked)\n`);
  }
  return failed ? 1 : 0;
}
