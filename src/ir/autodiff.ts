/**
 * @file Reverse-mode differentiation as a graph-to-graph transform. The backward pass is
 * ordinary IR added to the same graph: it can be printed, simplified, fused and interpreted like
 * the forward pass. The per-op math lives in `vjp-rules.ts`.
 */
import { InternalError } from "../diag/diagnostic.js";
import { GraphBuilder } from "./builder.js";
import { formatShape, shapesEqual, sizeOf, type Graph, type Node } from "./node.js";
import { vjpRules, type VjpRule } from "./vjp-rules.js";
import type { Op } from "../ops/ops.js";

export interface Gradients {
  /** The input graph plus the backward nodes, with each gradient added as an output `d_<name>`. */
  readonly graph: Graph;
  /** dLoss/dw for each requested w, in order (a zero constant where no path connects them). */
  readonly grads: readonly Node[];
}

/** Nodes that lie on some path from one of `wrt` to `loss`. */
function nodesOnPath(graph: Graph, loss: Node, wrt: readonly Node[]): Set<Node> {
  const ancestors = new Set<Node>();
  const stack = [loss];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (ancestors.has(n)) continue;
    ancestors.add(n);
    stack.push(...n.inputs);
  }
  const reached = new Set<Node>(wrt);
  for (const n of graph.nodes) {
    if (n.inputs.some((i) => reached.has(i))) reached.add(n);
  }
  return new Set([...ancestors].filter((n) => reached.has(n)));
}

function gradientName(w: Node): string {
  return w.op === "input" || w.op === "param" ? `d_${w.attrs.name}` : `d_%${w.id}`;
}

function checkRequest(graph: Graph, loss: Node, wrt: readonly Node[]): void {
  const inGraph = new Set(graph.nodes);
  if (!inGraph.has(loss)) throw new InternalError(`loss %${loss.id} is not in the graph`);
  if (sizeOf(loss.shape) !== 1 || loss.dtype !== "f32") {
    throw new InternalError(
      `loss must be a single f32 value, got ${loss.dtype}${formatShape(loss.shape)}`,
    );
  }
  for (const w of wrt) {
    if (!inGraph.has(w) || w.dtype !== "f32") {
      throw new InternalError(`cannot differentiate with respect to %${w.id}`);
    }
  }
}

/**
 * Builds d loss / d w for every w in `wrt`. Only nodes on a path from `wrt` to `loss` are
 * visited; each one's cotangent is complete when it is reached, because nodes are visited in
 * reverse topological order and every consumer has already added (`+=`) its contribution.
 */
export function differentiate(graph: Graph, loss: Node, wrt: readonly Node[]): Gradients {
  checkRequest(graph, loss, wrt);
  const onPath = nodesOnPath(graph, loss, wrt);
  const b = GraphBuilder.extend(graph);
  const cotangents = new Map<Node, Node>();
  if (onPath.has(loss))
    cotangents.set(
      loss,
      b.withSpan(loss.span, () => b.constant(1, loss.shape)),
    );
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const node = graph.nodes[k]!;
    const g = cotangents.get(node);
    if (g === undefined) continue;
    b.withSpan(node.span, () => propagate(b, node, g, onPath, cotangents));
  }
  const grads = wrt.map((w) => cotangents.get(w) ?? b.zerosLike(w));
  const outputs = new Map(graph.outputs);
  wrt.forEach((w, i) => outputs.set(gradientName(w), grads[i]!));
  return { graph: b.build(outputs), grads };
}

/** Adds node's contribution to the cotangent of each of its inputs that is on the path. */
function propagate(
  b: GraphBuilder,
  node: Node,
  g: Node,
  onPath: ReadonlySet<Node>,
  cotangents: Map<Node, Node>,
): void {
  const partials = (vjpRules[node.op] as VjpRule<Op>)(b, node, g);
  node.inputs.forEach((input, i) => {
    const partial = partials[i];
    if (!onPath.has(input) || !partial) return;
    const d = partial();
    if (!shapesEqual(d.shape, input.shape) || d.dtype !== input.dtype) {
      throw new InternalError(
        `the ${node.op} rule gave a ${formatShape(d.shape)} gradient for a ${formatShape(input.shape)} input`,
      );
    }
    const previous = cotangents.get(input);
    cotangents.set(input, previous ? b.add(previous, d) : d);
  });
}
