/**
 * @file Emission of a Plan from compiled graphs, as a sequence of small steps: lay out the
 * arenas (`emit-layout.ts`), write each program's stages, temporaries and dispatches
 * (`emit-program.ts`, `emit-stages.ts`), append the optimizer update (`emit-update.ts`) and
 * assemble the plain-data Plan (`emit-assemble.ts`). A step that cannot respect the binding
 * limits returns a refusal (`emit-refusal.ts`); `emitPlan` answers one by splitting a fused
 * group, or throws it as a `PlanLimitError`.
 */
import type { Span } from "../diag/diagnostic.js";
import { formatSpan } from "../ir/print.js";
import type { Graph, Node } from "../ir/node.js";
import type { RematPolicy } from "../ir/remat.js";
import type { ParamRules } from "../parser/check/values.js";
import type { FusionOptions } from "./fuse.js";
import { chunkElements, ChunkedTemps, defaultLimits, type BindingLimits } from "./memory.js";
import type { OptimizerSpec } from "../ops/optimizers.js";
import type { Plan, PlanParam } from "./plan.js";
import { assemblePlan } from "./emit-assemble.js";
import { shareKernels } from "./share-kernels.js";
import { KernelTable, type KernelOrigin } from "./emit-kernels.js";
import { hostOutputs, layoutArenas } from "./emit-layout.js";
import { writeProgram } from "./emit-program.js";
import { isRefusal, type Refusal } from "./emit-refusal.js";
import { appendUpdate } from "./emit-update.js";

export { PlanLimitError, kernelRefusals, type Refusal } from "./emit-refusal.js";
export { dispatchSplitReasons } from "./emit-stages.js";
export type { KernelOrigin } from "./emit-kernels.js";

export interface EmitInput {
  /** Forward and backward: outputs `loss`, `metric:*`, model outputs and `d_<param>`. */
  readonly training: Graph;
  /** Forward only, with `training()` = 0: outputs `loss`, `metric:*` and model outputs. */
  readonly evaluation: Graph;
  readonly params: readonly { readonly name: string; readonly init: PlanParam["init"] }[];
  /** The model's `state` tensors (absent: none); the training graph's `state:NAME` update them. */
  readonly state?: readonly { readonly name: string; readonly init: PlanParam["init"] }[];
  readonly optimizer: OptimizerSpec;
  /** The train section's `freeze` and `groups` per parameter (a frozen one has no `d_<param>`). */
  readonly paramRules?: ParamRules;
  /** Clip the global gradient norm (the limit itself is the uniform `clip`). */
  readonly clipGradNorm?: boolean;
  /** Source texts by path, for `.grove` locations in kernel headers. */
  readonly sources?: ReadonlyMap<string, string>;
  /** The rematerialisation policy `training` was partitioned by, recorded in the Plan. */
  readonly remat?: RematPolicy;
}

export interface EmitOptions extends FusionOptions {
  /** The binding limits the plan respects (default: WebGPU's defaults). */
  readonly limits?: BindingLimits;
  /** Also emit each program's quick-to-compile variant (`PlanProgram.quick`). */
  readonly quick?: boolean;
  /** Kernels that differ only in arena offsets share code (`share-kernels.ts`); default true. */
  readonly share?: boolean;
  /**
   * Called once with each kernel's origin (indexed like `Plan.kernels`), for reports: the Plan
   * itself stays plain data without IR nodes.
   */
  readonly explain?: (origins: readonly KernelOrigin[]) => void;
}

/** A plan, with where each kernel came from. */
export interface Emitted {
  readonly plan: Plan;
  readonly origins: readonly KernelOrigin[];
}

/**
 * Emits the Plan. A fused group that would bind more storage buffers than a shader stage may
 * (its inputs and output spread over too many arena chunks) is split: its nodes become kernels of
 * their own (`forcedRoots`, the fusion rule `too-many-buffers`) and the plan is emitted again. A
 * kernel that still binds too many, one primitive or the optimizer, is a `PlanLimitError` (G0803),
 * thrown here for `compilePlan` to report; `tryEmitPlan` returns it as data.
 */
export function emitPlan(input: EmitInput, options: EmitOptions): Plan {
  const r = tryEmitPlan(input, options);
  if (isRefusal(r)) throw r.refusal;
  options.explain?.(r.origins);
  return r.plan;
}

/** `emitPlan` without throwing: the plan, or the refusal no split of a fused group answers. */
export function tryEmitPlan(input: EmitInput, options: EmitOptions): Emitted | Refusal {
  let forced: ReadonlySet<Node> = options.forcedRoots ?? new Set();
  for (;;) {
    const r = emitOnce(input, { ...options, forcedRoots: forced });
    if (!isRefusal(r)) return r;
    const more = (r.refusal.nodes ?? []).filter((n) => !forced.has(n));
    if (more.length === 0 || more.every((n) => n.op === "const")) return r;
    forced = new Set([...forced, ...more]);
  }
}

/** One attempt: layout, the training program, its update, the evaluation program, the Plan. */
function emitOnce(input: EmitInput, options: EmitOptions): Emitted | Refusal {
  const limits = options.limits ?? defaultLimits;
  const capacity = chunkElements(limits);
  const where = (s: Span | undefined) =>
    s ? formatSpan(s, input.sources ? { sources: input.sources } : {}) : "";
  const layout = layoutArenas(input, capacity, where);
  if (isRefusal(layout)) return layout;
  const temps = new ChunkedTemps(capacity);
  const table = new KernelTable(limits, where);
  const ctx = {
    params: input.params,
    paramRules: input.paramRules,
    options,
    limits,
    layout,
    temps,
    table,
  };
  const train = writeProgram(ctx, input.training, hostOutputs(input.training, false), true);
  if (isRefusal(train)) return train;
  const update = appendUpdate(input, layout, table, limits.maxStorageBuffersPerShaderStage);
  if (isRefusal(update)) return update;
  const evaluate = writeProgram(ctx, input.evaluation, hostOutputs(input.evaluation, true), false);
  if (isRefusal(evaluate)) return evaluate;
  const { training, evaluation } = input;
  const quick = options.quick ?? false;
  const remat = input.remat;
  const parts = {
    training,
    evaluation,
    layout,
    temps,
    table,
    train,
    update,
    evaluate,
    quick,
    remat,
  };
  const plan = assemblePlan(parts);
  return { plan: options.share === false ? plan : shareKernels(plan), origins: table.origins };
}
