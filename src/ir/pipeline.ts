/**
 * @file The named compilation pipeline from an elaborated train section to IR: `lower`, then
 * `differentiate` (the gradient of the loss with respect to every parameter, as outputs
 * `d_<param>`), then the simplification passes. `afterPass` sees every intermediate graph, which
 * is what `grove compile --dump-after=PASS` prints and what tests verify.
 */
import type { Diagnostic, Result } from "../diag/diagnostic.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
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
  /** Forward plus backward: every output of `forward` and `d_<param>` for each parameter. */
  readonly training: Graph;
  /** Parameter names in declaration order. */
  readonly params: readonly string[];
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
  const params = train.graph.params.map((p) => p.name);
  const loss = graph.outputs.get("loss")!;
  const wrt = params.map((name) => graph.params.get(name)!);
  const diff = differentiate(graph, loss, wrt);
  options.afterPass?.("differentiate", diff.graph);
  const training = simplify(diff.graph, { afterPass: options.afterPass });
  const forward = simplify(graph);
  const diagnostics: Diagnostic[] = [...lowered.diagnostics];
  return { value: { forward, training, params }, diagnostics };
}
