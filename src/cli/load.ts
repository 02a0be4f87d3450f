/**
 * @file Shared by the commands: check a file, print its diagnostics, and hand back the checked
 * program only when there were no errors; compile it; open the backend a command runs on
 * (`--backend`, GROVE_BACKEND, or the automatic choice of backend-choice.ts).
 */
import { compileWithinBudget, type BudgetCandidate } from "../codegen/budget.js";
import { compilePlan, type CompiledPlan, type PlanOptions } from "../codegen/compile.js";
import type { FusionPolicy } from "../codegen/fusion-policy.js";
import { defaultLimits, unboundedLimits, type BindingLimits } from "../codegen/memory.js";
import { hasErrors } from "../diag/diagnostic.js";
import { visibleText } from "../diag/escape.js";
import { renderDiagnostics, type Format } from "../diag/render.js";
import type { RematPolicy } from "../ir/remat.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { checkFile, nodeHost, type CheckOptions, type CheckResult } from "../parser/program.js";
import { cpuDriverOf } from "../runtime/adapter-kind.js";
import type { DevicePlanOptions } from "../runtime/check-plan.js";
import { cpuSizeDiagnostics } from "../runtime/cpu-limits.js";
import type { GroveDevice } from "../runtime/device.js";
import type { Backend as SessionBackend } from "../session/runners.js";
import { backendFromEnv, chooseBackend } from "./backend-choice.js";
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

/** `--remat` and `--memory-budget`, as the commands that compile a training step take them. */
export interface RematFlags {
  /** What the backward recomputes (default `store`); with a budget, the only policy tried. */
  readonly remat?: RematPolicy | undefined;
  /** `--memory-budget BYTES`: the plan moving the fewest bytes whose peak memory fits. */
  readonly memoryBudget?: number | undefined;
}

/**
 * Compiles a train section to a Plan with its IR graphs (which the CPU backend interprets),
 * printing diagnostics; undefined when it failed. With a memory budget, every policy allowed is
 * compiled and the choice is printed on stderr.
 */
export function compiledOf(
  checked: CheckResult,
  train: ElaboratedTrain,
  opts: RematFlags & {
    readonly fuse?: boolean;
    /** The fusion rules when `fuse` is on (`--fusion`, `--fusion-policy`). */
    readonly fusion?: FusionPolicy | undefined;
    readonly batch?: number | undefined;
    /** What suits the device (`planOptionsFor`); default: a portable plan for WebGPU's limits. */
    readonly device?: Partial<DevicePlanOptions> | undefined;
  },
  io: Io,
): CompiledPlan | undefined {
  const options: PlanOptions = {
    fuse: opts.fuse ?? true,
    ...(opts.fusion ? { fusion: opts.fusion } : {}),
    ...(opts.remat ? { remat: opts.remat } : {}),
    ...opts.device,
    ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
    sources: checked.sources.texts(),
  };
  const r = within(train, options, opts, io);
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

/** `compilePlan`, or with `--memory-budget` the plan `compileWithinBudget` chooses. */
function within(train: ElaboratedTrain, options: PlanOptions, flags: RematFlags, io: Io) {
  if (flags.memoryBudget === undefined) return compilePlan(train, options);
  const budget = flags.memoryBudget;
  const r = compileWithinBudget(train, options, budget, flags.remat ? [flags.remat] : undefined);
  if (r.value) io.err(budgetText(budget, r.value.compiled, r.value.candidates) + "\n");
  return { value: r.value?.compiled, diagnostics: r.diagnostics };
}

/** `memory budget 60000000 bytes: min-cut (peak ..., ... bytes moved); store: peak ...`. */
export function budgetText(
  budget: number,
  chosen: CompiledPlan,
  candidates: readonly BudgetCandidate[],
): string {
  const policy = chosen.remat?.report.policy ?? "store";
  const line = (c: BudgetCandidate) =>
    `${c.policy}: peak ${c.peak} bytes, ${c.moved} bytes moved per step`;
  const others = candidates.filter((c) => c.policy !== policy).map(line);
  const mine = candidates.find((c) => c.policy === policy)!;
  return (
    `memory budget ${budget} bytes: --remat ${policy} (${line(mine).slice(policy.length + 2)})` +
    (others.length > 0 ? `; ${others.join("; ")}` : "")
  );
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
  readonly name: BackendName;
  readonly gpu?: GroveDevice;
  readonly options: Partial<DevicePlanOptions>;
  readonly session: SessionBackend;
}

/** ONNX Runtime's runners, or the message saying why onnxruntime-node does not load. */
async function onnxRunners(): Promise<SessionBackend | string> {
  const { loadOnnxRuntime, onnxRunnerFactory, OnnxRuntimeMissingError } =
    await import("../export/onnx-runner.js");
  try {
    return onnxRunnerFactory(await loadOnnxRuntime());
  } catch (e) {
    if (!(e instanceof OnnxRuntimeMissingError)) throw e;
    return e.message;
  }
}

/**
 * `--backend onnx`: ONNX Runtime's runners (src/export/onnx-runner.ts). Without onnxruntime-node,
 * prints how to install it in one line and resolves undefined.
 */
async function openOnnx(command: string, io: Io): Promise<Backend | undefined> {
  const runners = await onnxRunners();
  if (typeof runners !== "string")
    return { name: "onnx", options: cpuPlanOptions, session: runners };
  io.err(`grove ${command}: ${runners}\n`);
  return undefined;
}

/**
 * Opens the backend a command runs on: `backend` (`--backend`), else GROVE_BACKEND's, else the
 * automatic choice (backend-choice.ts), printed once to stderr as `grove COMMAND: backend onnx
 * (why)`. No device for `cpu` and `onnx`, else a WebGPU device. Without an adapter (or
 * onnxruntime-node) for a named backend, or with a GROVE_BACKEND that names none, prints why in
 * one line as `grove COMMAND: ...` and resolves undefined (exit 1).
 */
export async function openBackend(
  backend: BackendName | undefined,
  command: string,
  io: Io,
): Promise<Backend | undefined> {
  const named = backend ?? backendFromEnv(process.env);
  if (typeof named === "object") {
    io.err(`grove ${command}: ${named.problem}\n`);
    return undefined;
  }
  if (named === undefined) return openChosen(command, io);
  if (named === "cpu") return { name: "cpu", options: cpuPlanOptions, session: "cpu" };
  if (named === "onnx") return openOnnx(command, io);
  const { acquireDevice, NoAdapterError, planOptionsFor } = await import("../runtime/index.js");
  try {
    const gpu = await acquireDevice();
    return { name: "gpu", gpu, options: planOptionsFor(gpu.device), session: gpu.device };
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    io.err(`grove ${command}: ${e.message}\n`);
    return undefined;
  }
}

/** The automatic choice: probes the adapter (kept when chosen) and onnxruntime-node, says which. */
async function openChosen(command: string, io: Io): Promise<Backend> {
  const { acquireDevice, NoAdapterError, planOptionsFor } = await import("../runtime/index.js");
  let gpu: GroveDevice | undefined;
  try {
    gpu = await acquireDevice();
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
  }
  const adapter = gpu?.adapter.info;
  const runners = adapter && !cpuDriverOf(adapter) ? undefined : await onnxRunners();
  const onnx = typeof runners === "string" ? undefined : runners;
  const choice = chooseBackend({ ...(adapter ? { adapter } : {}), onnx: onnx !== undefined });
  io.err(`grove ${command}: backend ${choice.backend} (${visibleText(choice.reason)})\n`);
  if (choice.backend === "gpu" && gpu)
    return { name: "gpu", gpu, options: planOptionsFor(gpu.device), session: gpu.device };
  gpu?.close();
  if (choice.backend === "onnx" && onnx)
    return { name: "onnx", options: cpuPlanOptions, session: onnx };
  return { name: "cpu", options: cpuPlanOptions, session: "cpu" };
}
