/**
 * Helpers for codegen tests: checked examples compiled to Plans, forward-only plans of hand-built
 * graphs, and a GPU run of a plan compared with the reference interpreter.
 */
import { expect } from "vitest";
import { compilePlan, type CompiledPlan } from "../../src/codegen/compile.js";
import { emitPlan } from "../../src/codegen/emit.js";
import type { BindingLimits } from "../../src/codegen/memory.js";
import type { Plan } from "../../src/codegen/plan.js";
import type { Graph } from "../../src/ir/node.js";
import { optimizerSpec, type OptimizerSpec } from "../../src/ops/optimizers.js";
import type { Tensor } from "../../src/ir/tensor.js";
import { checkFile } from "../../src/parser/program.js";
import { PlanRunner } from "../../src/runtime/index.js";

export function examplePlan(
  file: string,
  batch: number,
  fuse = true,
  optimizer?: OptimizerSpec,
  subgroups = false,
  limits?: BindingLimits,
  quick = false,
): CompiledPlan {
  const r = checkFile(file);
  expect(r.diagnostics).toEqual([]);
  const train = r.program.trains[0]!;
  const t = optimizer ? { ...train, optimizer: { ...optimizer, span: train.span } } : train;
  const c = compilePlan(t, {
    batch,
    fuse,
    subgroups,
    quick,
    sources: r.sources.texts(),
    ...(limits ? { limits } : {}),
  });
  expect(c.diagnostics).toEqual([]);
  return c.value!;
}

/** A plan whose `eval` program computes the outputs of a parameter-free graph. */
export function forwardPlan(
  g: Graph,
  fuse = true,
  subgroups = false,
  treeReductions = false,
): Plan {
  return emitPlan(
    { training: g, evaluation: g, params: [], optimizer: optimizerSpec("sgd", { lr: 0.1 }) },
    { fuse, subgroups, treeReductions },
  );
}

/** Relative max-abs difference: max |a - b| / max(max |b|, floor). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  let num = 0;
  let den = floor;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return Number.isNaN(num) ? Infinity : num / den;
}

/** Writes every input of `plan` from `values` (by name), as the input's dtype. */
export function writeInputs(
  runner: PlanRunner,
  plan: Plan,
  values: Readonly<Record<string, Tensor>>,
): void {
  for (const t of plan.inputs) {
    const v = values[t.name];
    if (!v) throw new Error(`no value for input ${t.name}`);
    runner.writeInput(
      t.name,
      t.dtype === "i32" ? Int32Array.from(v.data) : Float32Array.from(v.data),
    );
  }
}
