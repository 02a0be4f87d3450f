/**
 * @file Constant folding. A `const` node is a fill (one value, any shape), so a node whose
 * inputs are all fills folds when its result is again a fill; the table says how to compute
 * that one value, or null where the result is not a fill (or not worth folding).
 * Values are folded in float64; i32 results wrap like the interpreter's Int32Array.
 */
import { sizeOf, type Node, type NodeOf } from "./node.js";
import { binaryOps, compareOps, rowsFor, unaryOps, type Op } from "../ops/ops.js";
import { rewriteGraph, type Pass } from "./rewrite.js";
import { binaryFns, compareFns, intBinaryFns, unaryFns } from "../ops/elementwise.js";

/** Given the fill value of each input, the fill value of the result (undefined: do not fold). */
type Fold<O extends Op> =
  ((node: NodeOf<O>, values: readonly number[]) => number | undefined) | null;

const same: Fold<Op> = (_node, [v]) => v;

function reducedCount(node: NodeOf<"sum" | "max" | "mean">): number {
  const x = node.inputs[0]!;
  return sizeOf(node.attrs.axes.map((a) => x.shape[a]!));
}

export const foldRules: { readonly [P in Op]: Fold<P> } = {
  ...rowsFor(
    unaryOps,
    (op) =>
      (_node: Node, [v]: readonly number[]) =>
        unaryFns[op](v!),
  ),
  ...rowsFor(binaryOps, (op) => (node: Node, [a, b]: readonly number[]) => {
    const f = node.dtype === "i32" ? (intBinaryFns[op] ?? binaryFns[op]) : binaryFns[op];
    return f(a!, b!);
  }),
  ...rowsFor(
    compareOps,
    (op) =>
      (_node: Node, [a, b]: readonly number[]) =>
        compareFns[op](a!, b!),
  ),
  where: (_node, [c, a, b]) => (c !== 0 ? a : b),
  broadcast: same,
  reshape: same,
  transpose: same,
  slice: same,
  stop_gradient: same,
  max_pool2d: same,
  avg_pool2d: same,
  sum: (node, [v]) => v! * reducedCount(node),
  mean: (node, [v]) => (reducedCount(node) > 0 ? v : undefined),
  max: (node, [v]) => (reducedCount(node) > 0 ? v : undefined),
  argmax: () => 0,
  matmul: (node, [a, b]) => a! * b! * node.inputs[0]!.shape.at(-1)!,
  concat: (_node, values) => (values.every((v) => Object.is(v, values[0])) ? values[0] : undefined),
  // Only in-range ids fold; an out-of-range id must still fail at run time.
  gather: (node, [table, id]) => (id! >= 0 && id! < node.inputs[0]!.shape[0]! ? table : undefined),
  cast: (node, [v]) => (node.dtype === "i32" ? Math.trunc(v!) : v),
  // Not fills in general (edges, padding, scattering), or leaves.
  scatter_add: null,
  one_hot: null,
  conv2d: null,
  conv2d_input_grad: null,
  conv2d_filter_grad: null,
  max_pool2d_grad: null,
  avg_pool2d_grad: null,
  const: null,
  iota: null,
  random_uniform: null,
  random_normal: null,
  input: null,
  param: null,
  state: null,
};

/** Wraps a folded value to the node's dtype: i32 wraps modulo 2^32. */
function toDtype(node: Node, v: number): number {
  return node.dtype === "i32" ? Math.trunc(v) | 0 : v;
}

/** Replaces every node whose inputs are all constants, and whose result is a fill, by a constant. */
export const foldConstants: Pass = (graph) =>
  rewriteGraph(graph, (b, node) => {
    const fold = foldRules[node.op] as Fold<Op>;
    if (!fold || node.inputs.length === 0) return undefined;
    if (!node.inputs.every((i) => i.op === "const")) return undefined;
    const values = node.inputs.map((i) => (i as NodeOf<"const">).attrs.value);
    const v = fold(node, values);
    return v === undefined ? undefined : b.constant(toDtype(node, v), node.shape, node.dtype);
  });
