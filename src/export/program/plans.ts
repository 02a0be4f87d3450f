/**
 * @file The compiled step of an exported program: a Plan for each batch size the run takes
 * (`batchSizes`), compiled like `grove train` compiles it for the same device (or for any WebGPU
 * device), each cut down to the programs that size runs: the quick variant only for the first
 * training plan (the only runner that starts on it), kernels only those a kept program dispatches.
 * Dropping programs and kernels changes nothing a kept program computes.
 */
import { compilePlan, type CompiledPlan, type PlanOptions } from "../../codegen/compile.js";
import type { Plan, PlanProgram } from "../../codegen/plan.js";
import type { Diagnostic } from "../../diag/diagnostic.js";
import type { ElaboratedTrain } from "../../parser/check/values.js";
import type { SplitCounts } from "./program.js";
import { batchSizes, type ProgramName } from "./sizes.js";

export interface CompiledPlans {
  readonly plans: Record<string, Plan>;
  /** The full batch's plan as compiled, with its graphs (to check the data against). */
  readonly full: CompiledPlan;
  /** The seed the step draws random numbers from, when it draws any (dropout). */
  readonly randomSeed?: number;
}

/** IR ops that draw random numbers from the seed compiled into a kernel. */
const RANDOM_OPS = new Set(["random_uniform", "random_normal"]);

/**
 * Compiles `train` for every batch size a run of `batch` over `counts` takes; the diagnostics of
 * the first size that does not compile otherwise.
 */
export function compilePlans(
  train: ElaboratedTrain,
  batch: number,
  counts: SplitCounts,
  options: Omit<PlanOptions, "batch">,
): CompiledPlans | readonly Diagnostic[] {
  const plans: Record<string, Plan> = {};
  let full: CompiledPlan | undefined;
  for (const [size, programs] of batchSizes(counts, batch)) {
    const r = compilePlan(train, { ...options, batch: size });
    if (!r.value) return r.diagnostics;
    plans[size] = keepPrograms(r.value.plan, programs, full === undefined);
    full ??= r.value;
  }
  const random = Object.values(plans).some((p) =>
    p.kernels.some((k) => k.ops.some((op) => RANDOM_OPS.has(op))),
  );
  return { plans, full: full!, ...(random ? { randomSeed: train.seed } : {}) };
}

/** `plan` with only `programs` (their quick variants when `quick`) and the kernels they use. */
export function keepPrograms(plan: Plan, programs: ReadonlySet<ProgramName>, quick: boolean): Plan {
  const kept: Record<string, PlanProgram> = {};
  for (const [name, program] of Object.entries(plan.programs)) {
    if (!programs.has(name as ProgramName)) continue;
    const { quick: variant, ...rest } = program;
    kept[name] = quick && name === "train" && variant ? { ...rest, quick: variant } : rest;
  }
  const used = new Set(
    Object.values(kept).flatMap((p) => [...p.dispatches, ...(p.quick ?? [])].map((d) => d.kernel)),
  );
  return { ...plan, programs: kept, kernels: plan.kernels.filter((k) => used.has(k.id)) };
}
