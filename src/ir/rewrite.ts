/**
 * @file The generic driver every simplification pass is built on, and the two passes that need
 * nothing more: common-subexpression elimination and dead-code elimination.
 *
 * `rewriteGraph` rebuilds a graph node by node into a fresh interning builder, so every pass
 * also merges equal subexpressions and renumbers ids densely in topological order.
 */
import { GraphBuilder } from "./builder.js";
import type { Graph, Node } from "./node.js";

/** Returns a replacement for a freshly rebuilt node, or undefined to keep it. */
export type Rewrite = (b: GraphBuilder, node: Node) => Node | undefined;

/** A pure graph-to-graph function with a verb name. */
export type Pass = (graph: Graph) => Graph;

const MAX_REWRITES_PER_NODE = 16;

/**
 * Rebuilds `graph` (only the nodes in `keep`, default all), applying `rule` to each rebuilt node
 * until it no longer fires. The replacement keeps the original node's span.
 */
export function rewriteGraph(graph: Graph, rule?: Rewrite, keep?: ReadonlySet<Node>): Graph {
  const b = new GraphBuilder();
  const mapped = new Map<Node, Node>();
  for (const node of graph.nodes) {
    if (keep && !keep.has(node)) continue;
    const inputs = node.inputs.map((i) => mapped.get(i)!);
    const result = b.withSpan(node.span, () => {
      let current = b.node(node.op, inputs, node.attrs as never) as Node;
      for (let k = 0; rule && k < MAX_REWRITES_PER_NODE; k++) {
        const next = rule(b, current);
        if (next === undefined || next === current) break;
        current = next;
      }
      return current;
    });
    mapped.set(node, result);
  }
  return b.build(new Map([...graph.outputs].map(([name, n]) => [name, mapped.get(n)!])));
}

/** Merges nodes that compute the same op on the same inputs (re-interning does it). */
export const eliminateCommonSubexpressions: Pass = (graph) => rewriteGraph(graph);

/** Keeps what the outputs depend on, plus every leaf: inputs, params, state (the graph's signature). */
export const eliminateDeadCode: Pass = (graph) => {
  const live = new Set<Node>([
    ...graph.inputs.values(),
    ...graph.params.values(),
    ...graph.state.values(),
  ]);
  const stack = [...graph.outputs.values()];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (live.has(n)) continue;
    live.add(n);
    stack.push(...n.inputs);
  }
  return rewriteGraph(graph, undefined, live);
};
