/**
 * @file Shared by the commands: check a file, print its diagnostics, and hand back the checked
 * program only when there were no errors.
 */
import { compilePlan, type CompiledPlan } from "../codegen/compile.js";
import type { FusionPolicy } from "../codegen/fusion-policy.js";
import { defaultLimits, unboundedLimits, type BindingLimits } from "../codegen/memory.js";
import { hasErrors } from "../diag/diagnostic.js";
import { renderDiagnostics, type Format } from "../diag/render.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { checkFile, nodeHost, type CheckOptions, type CheckResult } from "../parser/program.js";
import type { DevicePlanOptions } from "../runtime/check-plan.js";
import { cpuSizeDiagnostics } from "../runtime/cpu-limits.js";
import type { GroveDevice } from "../runtime/device.js";
import type { Backend as SessionBackend } from "../session/runners.js";
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
    /** The fusion rules when `fuse` is on (`--fusion`, `--fusion-policy`). */
    readonly fusion?: FusionPolicy | undefined;
    readonly batch?: number | undefined;
    /** What suits the device (`planOptionsFor`); default: a portable plan for WebGPU's limits. */
    readonly device?: Partial<DevicePlanOptions> | undefined;
  },
  io: Io,
): CompiledPlan | undefined {
  const r = compilePlan(train, {
    fuse: opts.fuse ?? true,
    ...(opts.fusion ? { fusion: opts.fusion } : {}),
    ...opts.device,
    ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
    sources: checked.sources.texts(),
  });
  // A plan without binding limits is for the CPU backend: check what it would allocate instead.
  const diagnostics =
    r.value && opts.device?.limits === unboundedLimits
      ? cpuSizeDiagnostics(r.value, train.span)
      : r.diagnostics;
  if (!r.value || diagnostics.length > 0) {
    io.err(renderDiagnostics(diagnostics, checked.sources, "rich") + "\n");
    return undefined;
  }
  return r.value;
}

/** `--max-binding-size BYTES`: WebGPU's default limits with a smaller (or larger) binding. */
export function bindingLimits(maxBindingSize: number | undefined): { limits?: BindingLimits } {
  return maxBindingSize === undefined
    ? {}
    : { limits: { ...defaultLimits, maxStorageBufferBindingSize: maxBindingSize } };
}

/** Compile options for the CPU backend: no binding limits, and `compiledOf` checks `cpuLimits`. */
export const cpuPlanOptions: Partial<DevicePlanOptions> = { limits: unboundedLimits };

/** What `--backend` names: WebGPU, the reference interpreter, or ONNX Runtime on the CPU. */
export type BackendName = "gpu" | "cpu" | "onnx";

/**
 * Where a command runs: a WebGPU device and the compile options that suit it, or the CPU (no
 * binding limits) through the interpreter or ONNX Runtime; `session` is what the training session
 * takes (the device, `"cpu"`, or the ONNX runners' factory).
 */
export interface Backend {
  readonly gpu?: GroveDevice;
  readonly options: Partial<DevicePlanOptions>;
  readonly session: SessionBackend;
}

/**
 * `--backend onnx`: ONNX Runtime's runners (src/export/onnx-runner.ts). Without onnxruntime-node,
 * prints how to install it in one line and resolves undefined.
 */
async function openOnnx(command: string, io: Io): Promise<Backend | undefined> {
  const { loadOnnxRuntime, onnxRunnerFactory, OnnxRuntimeMissingError } =
    await import("../export/onnx-runner.js");
  try {
    return { options: cpuPlanOptions, session: onnxRunnerFactory(await loadOnnxRuntime()) };
  } catch (e) {
    if (!(e instanceof OnnxRuntimeMissingError)) throw e;
    io.err(`grove ${command}: ${e.message}\n`);
    return undefined;
  }
}

/**
 * Opens the backend `--backend` names: no device for `cpu` and `onnx`, else a WebGPU device.
 * Without an adapter (or onnxruntime-node), prints why in one line as `grove COMMAND: ...` and
 * resolves undefined (exit 1).
 */
export async function openBackend(
  backend: BackendName | undefined,
  command: string,
  io: Io,
): Promise<Backend | undefined> {
  if (backend === "cpu") return { options: cpuPlanOptions, session: "cpu" };
  if (backend === "onnx") return openOnnx(command, io);
  const { acquireDevice, NoAdapterError, planOptionsFor } = await import("../runtime/index.js");
  try {
    const gpu = await acquireDevice();
    return { gpu, options: planOptionsFor(gpu.device), session: gpu.device };
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    io.err(`grove ${command}: ${e.message}\n`);
    return undefined;
  }
}
