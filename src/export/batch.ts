/**
 * @file Finding the batch dimension in IR, whose shapes are concrete. The exporter lowers the
 * inference graph at three batch sizes; the graphs must be the same node for node, and every
 * number that differs between them (a dimension, a `reshape` target, a `slice` bound, a constant)
 * must be `k * N + c` in the batch size `N`. That affine form is what an exported graph computes
 * at run time from the batch its input has, so the batch stays symbolic.
 */
import { type Span, UserError } from "../diag/diagnostic.js";
import type { Graph, Node } from "../ir/node.js";
import { attrNames } from "../ops/ops.js";

/** `k * N + c`; `k` is 0 for a number that does not depend on the batch. */
export interface BatchAffine {
  readonly k: number;
  readonly c: number;
}

export const fixed = (c: number): BatchAffine => ({ k: 0, c });

/**
 * The batch sizes the graph is lowered at: primes, so that a batch-dependent number is unlikely to
 * equal one of the model's own dimensions (where it did at one size only, interning would merge
 * two nodes there and the structures would differ: a refusal, never a wrong graph), and about 100,
 * so that lowering's bound of 2^31 - 1 elements per tensor still leaves 20 million per example.
 */
export const probeBatches = [97, 101, 103] as const;

/** The graph lowered at the probe batches does not have one structure; names the node. */
export class BatchStructureError extends UserError {
  constructor(
    message: string,
    readonly span: Span | undefined,
  ) {
    super(message);
  }
}

/** The inference graph at the first probe batch, with the batch-dependence of its numbers. */
export interface BatchGraph {
  /** The graph lowered at `probeBatches[0]`. */
  readonly graph: Graph;
  /** Each dimension of `node.shape` as an affine function of the batch. */
  shape(node: Node): readonly BatchAffine[];
  /** A numeric attribute (or each number of a list attribute) as an affine function. */
  attr(node: Node, key: string): BatchAffine | readonly BatchAffine[];
}

/**
 * Lines up `graphs` (the same program lowered at `probeBatches`) and fits each number that differs
 * to `k * N + c`; a difference in structure, or a number that is not affine in the batch, is a
 * `BatchStructureError`.
 */
export function batchGraph(graphs: readonly [Graph, Graph, Graph]): BatchGraph {
  const [a, b, c] = graphs;
  checkSameStructure(a, b);
  checkSameStructure(a, c);
  const nodesOf = graphs.map((g) => g.nodes);
  const index = new Map(a.nodes.map((n, i) => [n, i]));
  const at = (node: Node) => nodesOf.map((nodes) => nodes[index.get(node)!]!);
  return {
    graph: a,
    shape: (node) => {
      const [x, y, z] = at(node);
      return x!.shape.map((_, i) => fit([x!.shape[i]!, y!.shape[i]!, z!.shape[i]!], node));
    },
    attr: (node, key) => {
      const values = at(node).map((n) => (n.attrs as Record<string, unknown>)[key]);
      if (Array.isArray(values[0]))
        return (values[0] as number[]).map((_, i) =>
          fit(
            values.map((v) => (v as number[])[i]!),
            node,
          ),
        );
      return fit(values as number[], node);
    },
  };
}

/** `values` at the probe batches as `k * N + c`. */
function fit(values: readonly number[], node: Node): BatchAffine {
  const [v0, v1, v2] = values as [number, number, number];
  if (Object.is(v0, v1) && Object.is(v0, v2)) return fixed(v0);
  const [b0, b1, b2] = probeBatches;
  const k = (v1 - v0) / (b1 - b0);
  const c = v0 - k * b0;
  const predicted = k * b2 + c;
  if (Math.abs(predicted - v2) <= 1e-9 * Math.max(1, Math.abs(v2))) return { k, c };
  throw new BatchStructureError(
    `\`${node.op}\` computes a number from the batch size that is not a multiple of it plus a constant (${v0}, ${v1}, ${v2} at batch ${b0}, ${b1}, ${b2})`,
    node.span,
  );
}

/** Same nodes (op, inputs, dtype, rank, non-numeric attributes) and the same named values. */
function checkSameStructure(a: Graph, b: Graph): void {
  const differ = (what: string, node?: Node): never => {
    throw new BatchStructureError(
      `the inference graph has a different structure at different batch sizes (${what}), so its batch dimension cannot stay symbolic`,
      node?.span,
    );
  };
  if (a.nodes.length !== b.nodes.length) differ("node count", a.nodes.at(-1));
  a.nodes.forEach((x, i) => {
    const y = b.nodes[i]!;
    if (x.op !== y.op || x.dtype !== y.dtype || x.shape.length !== y.shape.length)
      differ(`\`${x.op}\` against \`${y.op}\``, x);
    if (x.inputs.length !== y.inputs.length || x.inputs.some((n, j) => n.id !== y.inputs[j]!.id))
      differ(`inputs of \`${x.op}\``, x);
    for (const key of attrNames[x.op] as readonly string[]) {
      const [u, v] = [x.attrs, y.attrs].map((t) => (t as Record<string, unknown>)[key]);
      if (!sameKind(u, v)) differ(`attribute \`${key}\` of \`${x.op}\``, x);
    }
  });
  for (const [name, node] of a.outputs)
    if (b.outputs.get(name)?.id !== node.id) differ(`output \`${name}\``, node);
}

/** Equal, or both numbers, or both number lists of one length. */
function sameKind(u: unknown, v: unknown): boolean {
  if (typeof u === "number") return typeof v === "number";
  if (Array.isArray(u))
    return (
      Array.isArray(v) &&
      u.length === v.length &&
      u.every((e, i) => (typeof e === "number" ? typeof v[i] === "number" : e === v[i]))
    );
  return u === v;
}
