/**
 * @file The optimizer update appended to the training program: the global gradient norm when
 * clipping (its own host-read output `grad_norm`), then one optimizer kernel per parameter
 * chunk, each given the frozen parameters and parameter groups of its chunk as ranges.
 */
import { sizeOf } from "../ir/node.js";
import type { ParamRules } from "../parser/check/values.js";
import { chunkName } from "./memory.js";
import type { OptimizerSpec } from "../ops/optimizers.js";
import { gradNormKernels, optimizerKernel } from "./optimizer.js";
import type { PlanDispatch } from "./plan.js";
import { at, type ArenaLayout } from "./emit-layout.js";
import type { KernelTable } from "./emit-kernels.js";
import { isRefusal, type Refusal } from "./emit-refusal.js";

/** What the update needs beyond the layout and the kernel table. */
export interface UpdateInput {
  readonly optimizer: OptimizerSpec;
  readonly paramRules?: ParamRules | undefined;
  readonly clipGradNorm?: boolean | undefined;
}

/** The update's dispatches, whether it clips, and the optimizer's moment names (`m`, `v`). */
export interface Update {
  readonly dispatches: readonly PlanDispatch[];
  readonly clipping: boolean;
  readonly moments: readonly string[];
}

/**
 * The update's kernels. Without parameters (a forward-only plan) nothing is updated: no kernel.
 * Moment arenas get their buffer ids after the update's own bindings.
 */
export function appendUpdate(
  input: UpdateInput,
  layout: ArenaLayout,
  table: KernelTable,
  maxStorageBuffers: number,
): Update | Refusal {
  const { params } = layout;
  const hasParams = params.total > 0;
  const clipping = (input.clipGradNorm ?? false) && hasParams;
  const dispatches: PlanDispatch[] = [];
  const norm = clipping ? at("outputs", layout.outputs.place("grad_norm", 1)) : undefined;
  if (norm) {
    const chunks = params.sizes.map((count, k) => ({ arena: chunkName("grads", k), count }));
    for (const src of gradNormKernels(chunks, norm, maxStorageBuffers)) {
      const d = table.add(src, { role: "grad-norm", groups: [], program: "train" });
      if (isRefusal(d)) return d;
      dispatches.push(d);
    }
    layout.outputTensors.push({
      name: "grad_norm",
      arena: norm.arena,
      buffer: 0,
      offset: norm.offset,
      shape: [],
      dtype: "f32",
    });
  }
  const moments: string[] = [];
  const split = params.sizes.length > 1;
  if (hasParams)
    for (const [k, count] of params.sizes.entries()) {
      const opt = optimizerKernel(
        input.optimizer,
        count,
        norm,
        split ? k : undefined,
        rangesIn(input, layout, k),
      );
      const d = table.add(opt.source, { role: "optimizer", groups: [], program: "train" });
      if (isRefusal(d)) return d;
      dispatches.push(d);
      if (k === 0) moments.push(...opt.moments);
    }
  for (const m of moments)
    params.sizes.forEach((_, k) => table.arenaId(chunkName(`state_${m}`, k)));
  return { dispatches, clipping, moments };
}

/** The element ranges of chunk `k`'s parameters that have a rule (frozen, or a group's settings). */
function rangesIn(input: UpdateInput, layout: ArenaLayout, k: number) {
  return layout.paramTensors.flatMap((p) => {
    const rule = input.paramRules?.[p.name];
    const start = p.slot.offset;
    return rule && p.slot.chunk === k ? [{ start, end: start + sizeOf(p.shape), rule }] : [];
  });
}
