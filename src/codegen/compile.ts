/**
 * @file From a checked train section to a Plan: the IR pipeline (lower, differentiate,
 * simplify) for the training step, a second lowering with `training()` = 0 for evaluation, then
 * fusion and emission within the device's binding limits (a plan that cannot respect them is a
 * diagnostic).
 */
import { makeDiagnostic, type Result } from "../diag/diagnostic.js";
import { lowerTrace } from "../ir/lower.js";
import type { Graph } from "../ir/node.js";
import { compileTrain, type CompiledTrain } from "../ir/pipeline.js";
import { rematerialize, type Rematerialized, type RematPolicy } from "../ir/remat.js";
import { simplify } from "../ir/simplify.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { emitPlan, PlanLimitError, type KernelOrigin } from "./emit.js";
import { hostOutputs } from "./emit-layout.js";
import type { FusionPolicy } from "./fusion-policy.js";
import type { BindingLimits } from "./memory.js";
import type { Plan } from "./plan.js";

export interface PlanOptions {
  /** Batch size to specialise for (default: the train section's). */
  readonly batch?: number;
  /** false compiles one kernel per primitive (`--no-fuse`). */
  readonly fuse?: boolean;
  /** The fusion rules and parameters when `fuse` is on (`--fusion`; default `defaultPolicy`). */
  readonly fusion?: FusionPolicy;
  /** Source texts by path, for `.grove` locations in kernel headers. */
  readonly sources?: ReadonlyMap<string, string>;
  /**
   * Which forward values the backward reads stored and which it recomputes (`--remat`; remat.ts).
   * Default `store`, which leaves the training graph as it is.
   */
  readonly remat?: RematPolicy;
  /**
   * Use subgroup operations in matrix products (about twice as fast on lavapipe). The plan then
   * runs only on a device with the `subgroups` feature (`acquireDevice` requests it when the
   * adapter has it): pass `device.features.has("subgroups")`. Default false.
   */
  readonly subgroups?: boolean;
  /** Reductions with few outputs use the tree template (`FusionOptions.treeReductions`). */
  readonly treeReductions?: boolean;
  /**
   * Also emit each program's quick-to-compile variant (`PlanProgram.quick`), for a device whose
   * driver compiles at first dispatch (`compilesAtFirstDispatch(adapterInfo)`: lavapipe).
   */
  readonly quick?: boolean;
  /**
   * The binding limits the plan respects: arenas are split into chunks of at most
   * `maxStorageBufferBindingSize` (and `maxBufferSize`) bytes and no kernel binds more than
   * `maxStorageBuffersPerShaderStage` storage buffers. Default: WebGPU's default limits, so the
   * plan runs on any conforming device; pass `device.limits` to compile for one device.
   */
  readonly limits?: BindingLimits;
  /**
   * Kernels that differ only in the offsets of their arena indices share one code, reading the
   * offsets from a uniform of their own (`share-kernels.ts`): one pipeline for the copies of a
   * `scan` step or a `repeat`ed block. Default true.
   */
  readonly share?: boolean;
}

export interface CompiledPlan {
  readonly plan: Plan;
  readonly compiled: CompiledTrain;
  readonly evaluation: Graph;
  /**
   * The training graph the plan was made from, partitioned by the rematerialisation policy, and
   * what it decided (absent in plans made by hand).
   */
  readonly remat?: Rematerialized;
  /** Where each kernel of `plan` came from (its fused groups), for `grove kernels`. */
  readonly origins?: readonly KernelOrigin[];
}

/**
 * The training graph partitioned by a rematerialisation policy: the forward pass is what the
 * training program's host-read outputs (loss, metrics) need, the backward what the gradients need.
 */
export function partitionTraining(compiled: CompiledTrain, policy: RematPolicy): Rematerialized {
  const joint = compiled.training;
  return rematerialize(
    joint,
    policy,
    hostOutputs(joint, false).map(([, n]) => n),
    compiled.params.map((p) => joint.outputs.get(`d_${p}`)!),
  );
}

export function compilePlan(
  train: ElaboratedTrain,
  options: PlanOptions = {},
): Result<CompiledPlan | undefined> {
  const batch = options.batch ?? train.batch;
  const r = compileTrain(train, { batch });
  if (!r.value) return { value: undefined, diagnostics: r.diagnostics };
  const lowered = lowerTrace(train.graph, { batch, training: false, seed: train.seed });
  if (!lowered.value) return { value: undefined, diagnostics: lowered.diagnostics };
  const evaluation = simplify(lowered.value);
  const remat = partitionTraining(r.value, options.remat ?? "store");
  let origins: readonly KernelOrigin[] = [];
  try {
    const plan = emitPlan(
      {
        training: remat.graph,
        evaluation,
        params: train.graph.params.map((p) => ({ name: p.name, init: p.init })),
        state: train.graph.state.map((s) => ({ name: s.name, init: s.init })),
        optimizer: train.optimizer,
        ...(train.paramRules ? { paramRules: train.paramRules } : {}),
        clipGradNorm: train.clipGradNorm !== undefined,
        ...(options.sources ? { sources: options.sources } : {}),
        remat: remat.report.policy,
      },
      {
        fuse: options.fuse ?? true,
        ...(options.fusion ? { policy: options.fusion } : {}),
        explain: (o) => (origins = o),
        subgroups: options.subgroups ?? false,
        treeReductions: options.treeReductions ?? false,
        quick: options.quick ?? false,
        share: options.share ?? true,
        ...(options.limits ? { limits: options.limits } : {}),
      },
    );
    return { value: { plan, compiled: r.value, evaluation, remat, origins }, diagnostics: [] };
  } catch (e) {
    if (!(e instanceof PlanLimitError)) throw e;
    const d = makeDiagnostic({
      code: e.code,
      message: e.message,
      span: e.span ?? train.span,
      label: e.span ? e.label : "in this train section",
      help: e.help,
    });
    return { value: undefined, diagnostics: [d] };
  }
}
