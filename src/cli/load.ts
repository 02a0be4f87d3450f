/**
 * @file Shared by the commands: check a file, print its diagnostics, and hand back the checked
 * program only when there were no errors.
 */
import { compilePlan, type CompiledPlan } from "../codegen/compile.js";
import { defaultLimits, unboundedLimits, type BindingLimits } from "../codegen/memory.js";
import { hasErrors } from "../diag/diagnostic.js";
import { renderDiagnostics, type Format } from "../diag/render.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { checkFile, nodeHost, type CheckOptions, type CheckResult } from "../parser/program.js";
import type { GroveDevice } from "../runtime/device.js";
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

/**
 * Compiles a train section to a Plan with its IR graphs (which the CPU backend interprets),
 * printing diagnostics; undefined when it failed.
 */
export function compiledOf(
  checked: CheckResult,
  train: ElaboratedTrain,
  opts: {
    readonly fuse?: boolean;
    readonly batch?: number | undefined;
    /** Matrix products with subgroup operations (what a device with the feature runs). */
    readonly subgroups?: boolean;
    /** The device's binding limits (default: WebGPU's defaults, which any device has). */
    readonly limits?: BindingLimits | undefined;
  },
  io: Io,
): CompiledPlan | undefined {
  const r = compilePlan(train, {
    fuse: opts.fuse ?? true,
    subgroups: opts.subgroups ?? false,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
    sources: checked.sources.texts(),
  });
  if (!r.value) io.err(renderDiagnostics(r.diagnostics, checked.sources, "rich") + "\n");
  return r.value;
}

/** `--max-binding-size BYTES`: WebGPU's default limits with a smaller (or larger) binding. */
export function bindingLimits(maxBindingSize: number | undefined): BindingLimits | undefined {
  return maxBindingSize === undefined
    ? undefined
    : { ...defaultLimits, maxStorageBufferBindingSize: maxBindingSize };
}

/**
 * Where a command runs: a WebGPU device (whether its plans may use subgroups, and the binding
 * limits they must respect) or the CPU (no limits).
 */
export interface Backend {
  readonly gpu?: GroveDevice;
  readonly subgroups: boolean;
  readonly limits?: BindingLimits;
}

/**
 * Opens the backend `--backend` names: no device for `cpu`, else a WebGPU device. Without an
 * adapter, prints why in one line as `grove COMMAND: ...` and resolves undefined (exit 1).
 */
export async function openBackend(
  backend: "gpu" | "cpu" | undefined,
  command: string,
  io: Io,
): Promise<Backend | undefined> {
  if (backend === "cpu") return { subgroups: false, limits: unboundedLimits };
  const { acquireDevice, NoAdapterError, useSubgroups } = await import("../runtime/index.js");
  try {
    const gpu = await acquireDevice();
    return { gpu, subgroups: useSubgroups(gpu.device), limits: gpu.device.limits };
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    io.err(`grove ${command}: ${e.message}\n`);
    return undefined;
  }
}
