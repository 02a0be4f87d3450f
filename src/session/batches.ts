/**
 * @file Batches of a dataset and writing them into a runner: full batches then the remainder, the
 * examples of a batch copied in the epoch's order into each input the program reads, and the
 * scalar input `@step`.
 */
import { UserError } from "../diag/diagnostic.js";
import type { Plan } from "../codegen/plan.js";
import type { Dataset } from "../runtime/data/types.js";
import type { StepPlan, StepRunner } from "../runtime/step-runner.js";

/** A batch: `size` examples from position `start` of an order. */
export interface Batch {
  readonly start: number;
  readonly size: number;
}

/** Batches of `count` examples in order: full ones of `batch`, then the remainder. */
export function batches(count: number, batch: number): Batch[] {
  const out = [];
  for (let start = 0; start < count; start += batch)
    out.push({ start, size: Math.min(batch, count - start) });
  return out;
}

/** The batch size a Plan was specialised for: the leading dimension of its inputs. */
export function planBatch(plan: Plan): number | undefined {
  return plan.inputs.find((t) => t.name !== "@step")?.shape[0];
}

/**
 * Copies examples `order[b.start..b.start+b.size)` into every input `program` of the runner's plan
 * reads; the scalar input `@step`, when the program has one, is the 1-based global step.
 */
export function writeBatch(
  runner: StepRunner,
  program: string,
  data: Dataset,
  order: ArrayLike<number>,
  b: Batch,
  step: number,
): void {
  const plan: StepPlan = runner.plan;
  for (const name of plan.programs[program]!.inputs) {
    if (name === "@step") {
      runner.writeInput(name, Int32Array.of(step));
      continue;
    }
    const field = data.fields.get(name);
    if (!field) {
      const known = [...data.fields.keys()].join(", ");
      throw new UserError(`the model needs the input \`${name}\`, but the data has ${known}`);
    }
    const n = field.perExample;
    const out = field.dtype === "i32" ? new Int32Array(b.size * n) : new Float32Array(b.size * n);
    for (let k = 0; k < b.size; k++) {
      const i = order[b.start + k]!;
      out.set(field.data.subarray(i * n, (i + 1) * n), k * n);
    }
    runner.writeInput(name, out);
  }
}

/** 0, 1, ..., count - 1: examples in their own order. */
export const inOrder = (count: number): number[] => Array.from({ length: count }, (_, i) => i);
