/**
 * @file Algebraic identities, as rewrite rules keyed by op. Every rule preserves the node's
 * shape and dtype exactly (broadcasting the survivor where the identity dropped a broadcast
 * operand) and its value bit for bit, with two documented exceptions:
 *
 *  - the sign of zero: `x + 0 -> x` keeps -0 where IEEE gives +0, and `x * 0 -> 0` gives +0
 *    where x is negative;
 *  - the rounding of a sum of matrix products merged into one product (`addProducts`).
 *
 * Nothing else: `x * 0 -> 0` fires only when x is provably finite (see `isFinite`), because
 * inf * 0 and NaN * 0 are NaN, and `x - x` is never folded for the same reason.
 */
import type { GraphBuilder } from "./builder.js";
import { shapesEqual, type Node, type NodeOf } from "./node.js";
import { classOf } from "./op-classes.js";
import type { BinaryOp, Op } from "../ops/ops.js";
import { rewriteGraph, type Pass } from "./rewrite.js";

type Rule<O extends Op> = (b: GraphBuilder, node: NodeOf<O>) => Node | undefined;

function isConst(n: Node, value?: number): boolean {
  return n.op === "const" && (value === undefined || n.attrs.value === value);
}

/**
 * True when every element of n is finite whatever the graph's inputs hold: integers, finite
 * constants, 0/1 masks (comparisons, one_hot), values cast from i32, random numbers.
 */
function isFinite(n: Node): boolean {
  if (n.dtype === "i32") return true;
  const finite = classOf(n.op).finite;
  return typeof finite === "boolean" ? finite : finite(n);
}

/** `x` made to have node's shape: itself, or broadcast when the identity dropped a wider operand. */
function like(b: GraphBuilder, x: Node, node: Node): Node {
  if (shapesEqual(x.shape, node.shape)) return x;
  return b.broadcast(x, node.shape);
}

/** A rule for `op(a, k)` / `op(k, a)` with k a constant of the given value. */
function withConst(
  side: 0 | 1,
  value: number,
  then: (b: GraphBuilder, other: Node, node: Node) => Node | undefined,
): Rule<BinaryOp> {
  return (b, node) => {
    const [k, other] =
      side === 0 ? [node.inputs[0]!, node.inputs[1]!] : [node.inputs[1]!, node.inputs[0]!];
    if (!isConst(k, value) || other.dtype !== node.dtype) return undefined;
    return then(b, other, node);
  };
}

const keep = (b: GraphBuilder, x: Node, node: Node) => like(b, x, node);
const negate = (b: GraphBuilder, x: Node, node: Node) => like(b, b.neg(x), node);

/** A concat's parts with where each starts and ends along its axis. */
interface Piece {
  readonly node: Node;
  readonly start: number;
  readonly end: number;
}

function piecesOf(n: Node, axis: number): Piece[] | undefined {
  if (n.op !== "concat" || (n as NodeOf<"concat">).attrs.axis !== axis) return undefined;
  let at = 0;
  return n.inputs.map((node) => {
    const start = at;
    at += node.shape[axis]!;
    return { node, start, end: at };
  });
}

/**
 * `concat([0, g, 0]) + concat([h, 0, 0])` along one axis is `concat([h, g, 0])` when, wherever
 * one side has something other than a zero constant, the other has a zero constant: each
 * element is `v + 0`. This is how the gradients of many slices of one tensor add up (each is
 * zero-padded back to the whole), which would otherwise cost the whole tensor per slice.
 */
function addDisjointPieces(b: GraphBuilder, node: NodeOf<"add">): Node | undefined {
  const [x, y] = node.inputs as [Node, Node];
  if (x.op !== "concat" || !shapesEqual(x.shape, node.shape) || !shapesEqual(y.shape, node.shape))
    return undefined;
  const axis = (x as NodeOf<"concat">).attrs.axis;
  const px = piecesOf(x, axis);
  const py = piecesOf(y, axis);
  if (!px || !py) return undefined;
  const kept = [...px, ...py].filter((p) => !isConst(p.node, 0));
  kept.sort((p, q) => p.start - q.start);
  for (let i = 1; i < kept.length; i++) if (kept[i]!.start < kept[i - 1]!.end) return undefined;
  const parts: Node[] = [];
  let at = 0;
  const zeros = (to: number) => {
    if (to > at)
      parts.push(
        b.constant(
          0,
          node.shape.map((d, i) => (i === axis ? to - at : d)),
          node.dtype,
        ),
      );
  };
  for (const p of kept) {
    zeros(p.start);
    parts.push(p.node);
    at = p.end;
  }
  zeros(node.shape[axis]!);
  return b.concat(parts, axis);
}

/** `concat(parts, axis)`, with the parts of any part that is itself a concat along `axis` spliced in. */
function flatConcat(b: GraphBuilder, parts: readonly Node[], axis: number): Node {
  const flat = parts.flatMap((p) =>
    p.op === "concat" && (p as NodeOf<"concat">).attrs.axis === axis ? p.inputs : [p],
  );
  return b.concat(flat, axis);
}

/**
 * `a @ b + c @ d = concat([a, c], 1) @ concat([b, d], 0)` for matrices: one product over the
 * inner dimensions of both. A weight used at every step of an unrolled `scan` gets its gradient
 * as a sum of one small product per step (`Σ_t h_tᵀ g_t`); this makes it one product over all
 * steps, one kernel instead of T. It is the one algebra rule that does not keep values bit for
 * bit: the product adds the same terms in one accumulation instead of adding T partial sums, so
 * the result may differ in the last bits (the GPU and the CPU backends run the same rewritten
 * graph, so they still agree).
 */
function addProducts(b: GraphBuilder, node: NodeOf<"add">): Node | undefined {
  const [x, y] = node.inputs as [Node, Node];
  if (x.op !== "matmul" || y.op !== "matmul") return undefined;
  const [a, p] = x.inputs as [Node, Node];
  const [c, q] = y.inputs as [Node, Node];
  const matrices = [a, p, c, q].every((n) => n.shape.length === 2);
  if (!matrices || !shapesEqual(x.shape, node.shape) || !shapesEqual(y.shape, node.shape))
    return undefined;
  return b.matmul(flatConcat(b, [a, c], 1), flatConcat(b, [p, q], 0));
}

/** Rules per op; the first that fires wins, and the driver reapplies until none fires. */
export const algebraRules: { readonly [P in Op]?: readonly Rule<P>[] } = {
  // x + 0 = 0 + x = x; [0, g, 0] + [h, 0, 0] = [h, g, 0] (zero-padded pieces that do not overlap);
  // a b + c d = [a c] [b; d] (the one rule that rounds differently: see addProducts)
  add: [withConst(1, 0, keep), withConst(0, 0, keep), addDisjointPieces, addProducts],
  // x - 0 = x; 0 - x = -x
  sub: [withConst(1, 0, keep), withConst(0, 0, negate)],
  // x * 1 = 1 * x = x; x * -1 = -x; x * 0 = 0 for provably finite x
  mul: [
    withConst(1, 1, keep),
    withConst(0, 1, keep),
    withConst(1, -1, negate),
    withConst(0, -1, negate),
    (b, node) => {
      const [x, y] = node.inputs as [Node, Node];
      const zero = (isConst(x, 0) && isFinite(y)) || (isConst(y, 0) && isFinite(x));
      return zero ? b.constant(0, node.shape, node.dtype) : undefined;
    },
  ],
  // x / 1 = x
  div: [withConst(1, 1, keep)],
  // x^1 = x; x^2 = x * x (exact, and defined for negative x on every backend)
  pow: [withConst(1, 1, keep), withConst(1, 2, (b, x, node) => like(b, b.mul(x, x), node))],
  // -(-x) = x
  neg: [(_b, node) => (node.inputs[0]!.op === "neg" ? node.inputs[0]!.inputs[0] : undefined)],
  // transpose by the identity is x; transpose(transpose(x, p), q) = transpose(x, q . p)
  transpose: [
    (_b, node) => (node.attrs.perm.every((p, i) => p === i) ? node.inputs[0] : undefined),
    (b, node) => {
      const inner = node.inputs[0]!;
      if (inner.op !== "transpose") return undefined;
      return b.transpose(
        inner.inputs[0]!,
        node.attrs.perm.map((i) => inner.attrs.perm[i]!),
      );
    },
  ],
  // reshape to the same shape is x; reshape(reshape(x)) = reshape(x)
  reshape: [
    (_b, node) => (shapesEqual(node.shape, node.inputs[0]!.shape) ? node.inputs[0] : undefined),
    (b, node) =>
      node.inputs[0]!.op === "reshape"
        ? b.reshape(node.inputs[0]!.inputs[0]!, node.shape)
        : undefined,
  ],
  // broadcast to the same shape is x; broadcast(broadcast(x)) = broadcast(x)
  broadcast: [
    (_b, node) => (shapesEqual(node.shape, node.inputs[0]!.shape) ? node.inputs[0] : undefined),
    (b, node) =>
      node.inputs[0]!.op === "broadcast"
        ? b.broadcast(node.inputs[0]!.inputs[0]!, node.shape)
        : undefined,
  ],
  // A reduction over no axes, a full-range slice, a one-input concat, a same-dtype cast: x.
  sum: [(_b, node) => (node.attrs.axes.length === 0 ? node.inputs[0] : undefined)],
  mean: [(_b, node) => (node.attrs.axes.length === 0 ? node.inputs[0] : undefined)],
  max: [(_b, node) => (node.attrs.axes.length === 0 ? node.inputs[0] : undefined)],
  slice: [
    (_b, node) => (shapesEqual(node.shape, node.inputs[0]!.shape) ? node.inputs[0] : undefined),
  ],
  concat: [(_b, node) => (node.inputs.length === 1 ? node.inputs[0] : undefined)],
  cast: [(_b, node) => (node.attrs.to === node.inputs[0]!.dtype ? node.inputs[0] : undefined)],
  // where with a constant condition picks one branch; where(c, x, x) = x.
  where: [
    (b, node) => {
      const [c, x, y] = node.inputs as [Node, Node, Node];
      if (x === y) return like(b, x, node);
      if (!isConst(c)) return undefined;
      return like(b, (c as NodeOf<"const">).attrs.value !== 0 ? x : y, node);
    },
  ],
};

/** Applies `algebraRules` everywhere. */
export const simplifyAlgebra: Pass = (graph) =>
  rewriteGraph(graph, (b, node) => {
    const rules = (algebraRules[node.op] ?? []) as readonly Rule<Op>[];
    for (const rule of rules) {
      const next = rule(b, node);
      if (next !== undefined) return next;
    }
    return undefined;
  });
