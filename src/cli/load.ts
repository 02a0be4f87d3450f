/**
 * @file Shared by the commands: check a file, print its diagnostics, and hand back the checked
 * program only when there were no errors.
 */
import { compilePlan, type CompiledPlan } from "../codegen/compile.js";
import type { Plan } from "../codegen/plan.js";
import { hasErrors } from "../diag/diagnostic.js";
import { renderDiagnostics, type Format } from "../diag/render.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { checkFile, nodeHost, type CheckOptions, type CheckResult } from "../parser/program.js";
import type { Io } from "./io.js";

export function loadChecked(
  file: string,
  io: Io,
  format: Format = "rich",
  options: CheckOptions = {},
): CheckResult | undefined {
  const r = checkFile(file, nodeHost, options);
  if (r.diagnostics.length > 0) io.err(renderDiagnostics(r.diagnostics, r.sources, format) + "\n");
  return hasErrors(r.diagnostics) ? undefined : r;
}

/** Compiles a train section to a Plan, printing diagnostics; undefined when it failed. */
export function planOf(
  checked: CheckResult,
  train: ElaboratedTrain,
  opts: {
    readonly fuse?: boolean;
    readonly batch?: number | undefined;
    readonly subgroups?: boolean;
  },
  io: Io,
): Plan | undefined {
  return compiledOf(checked, train, opts, io)?.plan;
}

/** Like `planOf`, with the IR graphs the CPU backend interprets. */
export function compiledOf(
  checked: CheckResult,
  train: ElaboratedTrain,
  opts: {
    readonly fuse?: boolean;
    readonly batch?: number | undefined;
    /** Matrix products with subgroup operations (what a device with the feature runs). */
    readonly subgroups?: boolean;
  },
  io: Io,
): CompiledPlan | undefined {
  const r = compilePlan(train, {
    fuse: opts.fuse ?? true,
    subgroups: opts.subgroups ?? false,
    ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
    sources: checked.sources.texts(),
  });
  if (!r.value) io.err(renderDiagnostics(r.diagnostics, checked.sources, "rich") + "\n");
  return r.value;
}
