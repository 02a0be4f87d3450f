/**
 * @file `StepRunner`: what the training loop needs from a backend that runs a Plan's programs —
 * the GPU's `PlanRunner` and the host's `CpuRunner` both implement it, with the same tensor names,
 * layouts and uniforms, so parameters, optimizer state and checkpoints move between them (as
 * does the ONNX Runtime backend's `OnnxRunner`); `checkedUniforms` is their one check of the
 * per-run scalars.
 */
import { UsageError } from "../diag/diagnostic.js";
import type { Plan } from "../codegen/plan.js";

export type HostArray = Float32Array | Int32Array;

/** A program as the host sees it: the inputs to write before a run and the outputs it may read. */
export interface StepProgram {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/**
 * The part of a Plan the training loop reads. A `Plan` is one (its programs also carry their
 * dispatches, which only the GPU runner uses).
 */
export interface StepPlan extends Pick<Plan, "inputs" | "params" | "state" | "outputs" | "grads"> {
  /** `train` (forward, backward and the optimizer update) and `eval` (forward only). */
  readonly programs: Readonly<Record<string, StepProgram>>;
  /** The per-run scalars `writeUniforms` takes (`lr`, `bc1`, `bc2`, `step`, maybe `clip`). */
  readonly uniforms?: { readonly fields: readonly string[] };
}

/**
 * Runs a Plan's programs on some backend. Writes take effect for every later run; reads see every
 * run made so far. A run's results are only guaranteed once a read's promise resolves.
 */
export interface StepRunner {
  readonly plan: StepPlan;
  /** Makes `program` ready to run (compiles its kernels on the GPU); a no-op when it already is. */
  prepare(program: string): Promise<void>;
  /**
   * Resolves when the programs that have run use their final kernels: a GPU runner may run a
   * program's first step on a quick-to-compile variant (the same results) and compile its own
   * kernels after it. `compiling` says whether that is under way.
   */
  ready(): Promise<void>;
  readonly compiling: boolean;
  /** Writes a program input; `data` must match the input's dtype and element count. */
  writeInput(name: string, data: HostArray): void;
  /** Writes a parameter or optimizer-state tensor. */
  writeParam(name: string, data: HostArray): void;
  /** Reads a parameter or optimizer-state tensor. */
  readParam(name: string): Promise<HostArray>;
  /** Reads a parameter's gradient as the last `train` run left it (before clipping). */
  readGrad(name: string): Promise<HostArray>;
  /** Writes the per-run scalars: every field of `plan.uniforms`, and nothing else. */
  writeUniforms(values: Readonly<Record<string, number>>): void;
  /** Runs `program`; every input it reads (and the uniforms, for `train`) must have been written. */
  run(program: string): void;
  /** Reads an output (`loss`, `metric:*`, `grad_norm`, model outputs). */
  readOutput(name: string): Promise<HostArray>;
  /** Reads several outputs at once (one copy when they share a buffer, as scalars do). */
  readOutputs(names: readonly string[]): Promise<HostArray[]>;
  /** Frees what the runner holds. Idempotent. */
  destroy(): void;
}

/**
 * The per-run scalars of `fields` (a plan's `uniforms.fields`) taken from `values`, each rounded
 * to float32 as a uniform buffer holds it. Every field must be given, and nothing else: the
 * runners' `writeUniforms` all check with this, so their errors read the same.
 */
export function checkedUniforms(
  fields: readonly string[] | undefined,
  values: Readonly<Record<string, number>>,
): Record<string, number> {
  if (!fields) throw new UsageError("writeUniforms: this plan has no uniforms");
  const expected = `expected ${fields.join(", ") || "no fields"}`;
  for (const key of Object.keys(values))
    if (!fields.includes(key))
      throw new UsageError(`writeUniforms: unknown uniform "${key}"; ${expected}`);
  const stored: Record<string, number> = {};
  for (const field of fields) {
    const value = values[field];
    if (typeof value !== "number")
      throw new UsageError(`writeUniforms: missing uniform "${field}"; ${expected}`);
    stored[field] = Math.fround(value);
  }
  return stored;
}
