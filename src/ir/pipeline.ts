/**
 * @file The named compilation pipeline from an elaborated train section to IR: `lower`, then
 * `differentiate` (the gradient of the loss with respect to every parameter that is not frozen,
 * as outputs `d_<param>`; a frozen one gets none, so no kernel computes it), then the simplification passes. `afterPass` sees every intermediate graph, which
 * is what `grove compile --dump-after=PASS` prints and what tests verify.
 */
import type { Diagnostic, Result } from "../diag/diagnostic.js";
import type { ElaboratedTrain, ParamRules } from "../parser/check/values.js";
import { differentiate } from "./autodiff.js";
import { lowerTrace, type LowerOptions } from "./lower.js";
import type { Graph } from "./node.js";
import { simplify, simplifyPasses } from "./simplify.js";

export const pipelinePassNames: readonly string[] = [
  "lower",
  "differentiate",
  ...simplifyPasses.map(([name]) => name),
];

export interface PipelineOptions extends Partial<LowerOptions> {
  readonly afterPass?: (name: string, graph: Graph) => void;
}

export interface CompiledTrain {
  /** Forward pass, loss and metrics, simplified. */
  readonly forward: Graph;
  /** Forward plus backward: every output of `forward` and `d_<param>` for each of `params`. */
  readonly training: Graph;
  /** The names of the parameters that train (all but the frozen), in declaration order. */
  readonly params: readonly string[];
  /** Frozen parameters (the section's `freeze`): no gradient, no update. */
  readonly frozen?: readonly string[];
  /** The section's rules per parameter (`freeze`, `groups`); absent or empty without them. */
  readonly paramRules?: ParamRules;
}

/** Compiles a train section for a batch size (default: the section's own `batch`). */
export function compileTrain(
  train: ElaboratedTrain,
  options: PipelineOptions = {},
): Result<CompiledTrain | undefined> {
  const lowerOptions: LowerOptions = {
    batch: options.batch ?? train.batch,
    training: options.training ?? true,
    seed: options.seed ?? train.seed,
    dims: options.dims ?? {},
  };
  const lowered = lowerTrace(train.graph, lowerOptions);
  const graph = lowered.value;
  if (!graph) return { value: undefined, diagnostics: lowered.diagnostics };
  options.afterPass?.("lower", graph);
  const paramRules = train.paramRules ?? {};
  const all = train.graph.params.map((p) => p.name);
  const frozen = all.filter((name) => paramRules[name]?.frozen);
  const params = all.filter((name) => !paramRules[name]?.frozen);
  const loss = graph.outputs.get("loss")!;
  const wrt = params.map((name) => graph.params.get(name)!);
  const diff = differentiate(graph, loss, wrt);
  options.afterPass?.("differentiate", diff.graph);
  const training = simplify(diff.graph, { afterPass: options.afterPass });
  const forward = simplify(graph);
  const diagnostics: Diagnostic[] = [...lowered.diagnostics];
  return { value: { forward, training, params, frozen, paramRules }, diagnostics };
}
