/**
 * @file Shared by the commands: check a file, print its diagnostics, and hand back the checked
 * program only when there were no errors.
 */
import { hasErrors } from "../diag/diagnostic.js";
import { renderDiagnostics, type Format } from "../diag/render.js";
import { checkFile, type CheckResult } from "../parser/program.js";
import type { Io } from "./io.js";

export function loadChecked(
  file: string,
  io: Io,
  format: Format = "rich",
): CheckResult | undefined {
  const r = checkFile(file);
  if (r.diagnostics.length > 0) io.err(renderDiagnostics(r.diagnostics, r.sources, format) + "\n");
  return hasErrors(r.diagnostics) ? undefined : r;
}
