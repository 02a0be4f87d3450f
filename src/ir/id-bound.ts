/**
 * @file The exclusive upper bound an i32 input must respect: the smallest table it indexes
 * (`gather`) or one-hot depth it is expanded to, following it through views. Used to draw valid
 * random ids (gradcheck) and to refuse data whose labels or tokens the model cannot take.
 */
import type { Graph, Node } from "./node.js";

/** The bound of `input`'s values in `graph`, or undefined when no op limits them. */
export function idBound(graph: Graph, input: Node): number | undefined {
  const reach = new Set<Node>([input]);
  let bound = Infinity;
  for (const n of graph.nodes) {
    if (!n.inputs.some((i) => reach.has(i))) continue;
    if (n.op === "reshape" || n.op === "transpose" || n.op === "slice" || n.op === "broadcast")
      reach.add(n);
    if (n.op === "gather" && reach.has(n.inputs[1]!))
      bound = Math.min(bound, n.inputs[0]!.shape[0]!);
    if (n.op === "one_hot") bound = Math.min(bound, n.attrs.depth);
  }
  return Number.isFinite(bound) ? bound : undefined;
}
