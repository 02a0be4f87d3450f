/**
 * @file From a checked train section to a Plan: the IR pipeline (lower, differentiate,
 * simplify) for the training step, a second lowering with `training()` = 0 for evaluation, then
 * fusion and emission.
 */
import type { Result } from "../diag/diagnostic.js";
import { lowerTrace } from "../ir/lower.js";
import type { Graph } from "../ir/node.js";
import { compileTrain, type CompiledTrain } from "../ir/pipeline.js";
import { simplify } from "../ir/simplify.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { emitPlan } from "./emit.js";
import type { Plan } from "./plan.js";

export interface PlanOptions {
  /** Batch size to specialise for (default: the train section's). */
  readonly batch?: number;
  /** false compiles one kernel per primitive (`--no-fuse`). */
  readonly fuse?: boolean;
  /** Source texts by path, for `.grove` locations in kernel headers. */
  readonly sources?: ReadonlyMap<string, string>;
  /**
   * Use subgroup operations in matrix products (about twice as fast on lavapipe). The plan then
   * runs only on a device with the `subgroups` feature (`acquireDevice` requests it when the
   * adapter has it): pass `device.features.has("subgroups")`. Default false.
   */
  readonly subgroups?: boolean;
}

export interface CompiledPlan {
  readonly plan: Plan;
  readonly compiled: CompiledTrain;
  readonly evaluation: Graph;
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
  const plan = emitPlan(
    {
      training: r.value.training,
      evaluation,
      params: train.graph.params.map((p) => ({ name: p.name, init: p.init })),
      optimizer: train.optimizer,
      clipGradNorm: train.clipGradNorm !== undefined,
      ...(options.sources ? { sources: options.sources } : {}),
    },
    { fuse: options.fuse ?? true, subgroups: options.subgroups ?? false },
  );
  return { value: { plan, compiled: r.value, evaluation }, diagnostics: [] };
}
