/**
 * @file One vector-Jacobian rule per primitive. Given node y = op(x0, x1, ...) and the cotangent
 * g = dL/dy, a rule returns, per input, a thunk building dL/dxi as ordinary IR, or null where no
 * gradient flows (integer inputs, piecewise-constant ops, stop_gradient). Thunks are only called
 * for inputs on a path to a requested parameter, so unneeded partials are never built.
 *
 * Subgradient conventions at kinks (documented and tested):
 *  - relu'(0) = 0 and abs'(0) = sign(0) = 0.
 *  - maximum/minimum at a tie a == b: the gradient is split evenly, 1/2 to each side, so that
 *    maximum(x, x) = x has derivative 1 and maximum(a, b), maximum(b, a) agree.
 *  - max reduction: ties share the gradient evenly among all maximal elements.
 *  - max_pool2d: the whole gradient of a window goes to its first maximum (row-major), as in
 *    the GPU kernels of every framework.
 */
import { InternalError } from "../diag/diagnostic.js";
import type { GraphBuilder } from "./builder.js";
import { shapesEqual, sizeOf, type Node, type NodeOf } from "./node.js";
import {
  compareOps,
  rowsFor,
  type BinaryOp,
  type CompareOp,
  type Op,
  type Pair,
  type Shape,
  type UnaryOp,
} from "../ops/ops.js";

/** Builds one input's gradient; null where no gradient flows to that input. */
export type Partial = (() => Node) | null;
export type VjpRule<O extends Op> = (b: GraphBuilder, y: NodeOf<O>, g: Node) => readonly Partial[];

/**
 * Sums `g` down to `shape`, undoing numpy broadcasting: sum over the leading axes `shape` lacks
 * and over the axes where `shape` has 1, then reshape to `shape`.
 */
export function unbroadcast(b: GraphBuilder, g: Node, shape: Shape): Node {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const axes = g.shape
    .map((_, i) => i)
    .filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1));
  const summed = axes.length > 0 ? b.sum(g, axes, false) : g;
  return shapesEqual(summed.shape, shape) ? summed : b.reshape(summed, shape);
}

/** Broadcasts the result of a reduction over `axes` back to `shape` (keepdims or not). */
function expandReduced(b: GraphBuilder, g: Node, shape: Shape, axes: readonly number[]): Node {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const r = shapesEqual(g.shape, kept) ? g : b.reshape(g, kept);
  return b.broadcast(r, shape);
}

const none: VjpRule<Op> = (_b, y) => y.inputs.map(() => null);

function hw(shape: Shape): Pair {
  return [shape[2]!, shape[3]!];
}

type Local = (b: GraphBuilder, g: Node, x0: Node, x1: Node, y: Node) => Node;

/** Elementwise binary: each partial is local derivative times g, summed back to the input shape. */
function binary(da: Local, db: Local): VjpRule<BinaryOp> {
  return (b, y, g) => {
    const [x0, x1] = y.inputs as [Node, Node];
    return [
      () => unbroadcast(b, da(b, g, x0, x1, y), x0.shape),
      () => unbroadcast(b, db(b, g, x0, x1, y), x1.shape),
    ];
  };
}

/** The weight of the first operand of maximum/minimum: 1 where it wins, 1/2 at a tie, else 0. */
function pickFirst(b: GraphBuilder, wins: Node, ties: Node): Node {
  return b.add(wins, b.scale(ties, 0.5));
}

/** Elementwise unary: g times the local derivative. */
function unary(local: (b: GraphBuilder, x: Node, y: Node) => Node): VjpRule<UnaryOp> {
  return (b, y, g) => [() => b.mul(g, local(b, y.inputs[0]!, y))];
}

const elementwiseVjps: { [P in UnaryOp | BinaryOp | CompareOp]: VjpRule<P> } = {
  // d/dx -x = -1
  neg: (b, _y, g) => [() => b.neg(g)],
  // d/dx exp(x) = exp(x) = y
  exp: unary((_b, _x, y) => y),
  // d/dx log(x) = 1 / x
  log: (b, y, g) => [() => b.div(g, y.inputs[0]!)],
  // d/dx sqrt(x) = 1 / (2 sqrt(x)) = 0.5 / y
  sqrt: (b, y, g) => [() => b.div(b.scale(g, 0.5), y)],
  // d/dx x^(-1/2) = -1/2 x^(-3/2) = -0.5 y^3
  rsqrt: unary((b, _x, y) => b.scale(b.mul(y, b.mul(y, y)), -0.5)),
  // d/dx tanh(x) = 1 - tanh(x)^2 = 1 - y^2
  tanh: unary((b, _x, y) => b.sub(b.constant(1), b.mul(y, y))),
  // d/dx sigmoid(x) = sigmoid(x) (1 - sigmoid(x)) = y (1 - y)
  sigmoid: unary((b, _x, y) => b.mul(y, b.sub(b.constant(1), y))),
  // d/dx relu(x) = [x > 0] = [relu(x) > 0]  (0 at x = 0). Reading the output rather than the
  // input lets the forward kernel keep x in registers: only relu(x) needs to be stored.
  relu: unary((b, _x, y) => b.greater(y, b.constant(0))),
  // d/dx |x| = sign(x)  (0 at x = 0)
  abs: unary((b, x) => b.sign(x)),
  // sign is piecewise constant: its derivative is 0 almost everywhere, so no gradient flows.
  sign: none,
  // d/dx sin(x) = cos(x)
  sin: unary((b, x) => b.cos(x)),
  // d/dx cos(x) = -sin(x)
  cos: (b, y, g) => [() => b.neg(b.mul(g, b.sin(y.inputs[0]!)))],
  // d/dx erf(x) = 2 / sqrt(pi) exp(-x^2)
  erf: unary((b, x) => b.scale(b.exp(b.neg(b.mul(x, x))), 2 / Math.sqrt(Math.PI))),
  // d(a + b) = da + db
  add: binary(
    (_b, g) => g,
    (_b, g) => g,
  ),
  // d(a - b) = da - db
  sub: binary(
    (_b, g) => g,
    (b, g) => b.neg(g),
  ),
  // d(a b) = b da + a db
  mul: binary(
    (b, g, _x0, x1) => b.mul(g, x1),
    (b, g, x0) => b.mul(g, x0),
  ),
  // d(a / b) = da / b - (a / b^2) db = da / b - (y / b) db
  div: binary(
    (b, g, _x0, x1) => b.div(g, x1),
    (b, g, _x0, x1, y) => b.neg(b.div(b.mul(g, y), x1)),
  ),
  // d(a^b) = b a^(b-1) da + a^b log(a) db; the log term is taken as 0 where a <= 0.
  pow: binary(
    (b, g, x0, x1) => b.mul(g, b.mul(x1, b.pow(x0, b.sub(x1, b.constant(1))))),
    (b, g, x0, _x1, y) => {
      const zero = b.constant(0);
      return b.mul(b.mul(g, y), b.where(b.greater(x0, zero), b.log(x0), zero));
    },
  ),
  // d max(a, b) = [a > b] da + [a < b] db, split 1/2 : 1/2 at a tie.
  maximum: binary(
    (b, g, x0, x1) => b.mul(g, pickFirst(b, b.greater(x0, x1), b.equal(x0, x1))),
    (b, g, x0, x1) => b.mul(g, pickFirst(b, b.greater(x1, x0), b.equal(x0, x1))),
  ),
  // d min(a, b) = [a < b] da + [a > b] db, split 1/2 : 1/2 at a tie.
  minimum: binary(
    (b, g, x0, x1) => b.mul(g, pickFirst(b, b.less(x0, x1), b.equal(x0, x1))),
    (b, g, x0, x1) => b.mul(g, pickFirst(b, b.less(x1, x0), b.equal(x0, x1))),
  ),
  // Comparisons are piecewise constant (and their result is a 0/1 mask): no gradient.
  ...rowsFor(compareOps, () => none),
};

const structuralVjps: {
  [P in Exclude<Op, UnaryOp | BinaryOp | CompareOp>]: VjpRule<P>;
} = {
  // where(c, a, b): a receives g where c != 0, b where c == 0; c gets none.
  where: (b, y, g) => {
    const [c, onTrue, onFalse] = y.inputs as [Node, Node, Node];
    return [
      null,
      () => unbroadcast(b, b.where(c, g, b.constant(0)), onTrue.shape),
      () => unbroadcast(b, b.where(c, b.constant(0), g), onFalse.shape),
    ];
  },
  // broadcast copies x along the stretched axes, so the gradient sums over them.
  broadcast: (b, y, g) => [() => unbroadcast(b, g, y.inputs[0]!.shape)],
  // d/dx_i sum(x) = 1: every element gets the cotangent of its sum.
  sum: (b, y, g) => [() => expandReduced(b, g, y.inputs[0]!.shape, y.attrs.axes)],
  // d/dx_i mean(x) = 1 / count
  mean: (b, y, g) => {
    const x = y.inputs[0]!;
    const count = sizeOf(y.attrs.axes.map((a) => x.shape[a]!));
    return [() => b.scale(expandReduced(b, g, x.shape, y.attrs.axes), 1 / count)];
  },
  // d/dx_i max(x) = [x_i == max] / (number of maximal elements): ties share evenly.
  max: (b, y, g) => {
    const x = y.inputs[0]!;
    const { axes } = y.attrs;
    return [
      () => {
        const mask = b.equal(x, expandReduced(b, y, x.shape, axes));
        const count = b.sum(mask, axes, true);
        return b.div(b.mul(mask, expandReduced(b, g, x.shape, axes)), count);
      },
    ];
  },
  argmax: none,
  // C = A B: dA = dC B^T, dB = A^T dC, each summed over broadcast batch dims.
  matmul: (b, y, g) => {
    const [lhs, rhs] = y.inputs as [Node, Node];
    return [
      () => unbroadcast(b, b.matmul(g, b.transposeLast2(rhs)), lhs.shape),
      () => unbroadcast(b, b.matmul(b.transposeLast2(lhs), g), rhs.shape),
    ];
  },
  reshape: (b, y, g) => [() => b.reshape(g, y.inputs[0]!.shape)],
  // Transposing back uses the inverse permutation.
  transpose: (b, y, g) => {
    const inverse: number[] = [];
    y.attrs.perm.forEach((p, i) => (inverse[p] = i));
    return [() => b.transpose(g, inverse)];
  },
  // The sliced-out elements get zero: pad g with zeros on both sides along the axis.
  slice: (b, y, g) => [() => padAlong(b, g, y.inputs[0]!.shape, y.attrs)],
  // Each input gets its own slice of g.
  concat: (b, y, g) => {
    const { axis } = y.attrs;
    let start = 0;
    return y.inputs.map((x) => {
      const [s, e] = [start, (start += x.shape[axis]!)];
      return () => b.slice(g, axis, s, e);
    });
  },
  // out[i] = table[ids[i]]: rows used several times accumulate every cotangent.
  gather: (b, y, g) => [() => b.scatterAdd(y.inputs[1]!, g, y.inputs[0]!.shape[0]!), null],
  // out[ids[i]] += updates[i]: so d updates[i] = g[ids[i]].
  scatter_add: (b, y, g) => [null, () => b.gather(g, y.inputs[0]!)],
  one_hot: none,
  // y = conv(x, w) is bilinear: B(x, w, dy) = <dy, conv(x, w)>; dx = dB/dx, dw = dB/dw.
  conv2d: (b, y, g) => {
    const [x, w] = y.inputs as [Node, Node];
    const { stride, padding } = y.attrs;
    return [
      () =>
        b.node("conv2d_input_grad", [g, w], {
          stride,
          padding,
          inputSize: hw(x.shape),
        }),
      () =>
        b.node("conv2d_filter_grad", [x, g], {
          stride,
          padding,
          kernelSize: hw(w.shape),
        }),
    ];
  },
  // dx = input_grad(dy, w) = dB/dx is linear in dy and w: <g, dx> = B(g, w, dy) = <dy, conv(g, w)>.
  conv2d_input_grad: (b, y, g) => {
    const [dy, w] = y.inputs as [Node, Node];
    const { stride, padding } = y.attrs;
    return [
      () => b.conv2d(g, w, stride, padding),
      () =>
        b.node("conv2d_filter_grad", [g, dy], {
          stride,
          padding,
          kernelSize: hw(w.shape),
        }),
    ];
  },
  // dw = filter_grad(x, dy) = dB/dw: <g, dw> = B(x, g, dy) = <dy, conv(x, g)>.
  conv2d_filter_grad: (b, y, g) => {
    const [x, dy] = y.inputs as [Node, Node];
    const { stride, padding } = y.attrs;
    return [
      () =>
        b.node("conv2d_input_grad", [dy, g], {
          stride,
          padding,
          inputSize: hw(x.shape),
        }),
      () => b.conv2d(x, g, stride, padding),
    ];
  },
  // Each window's cotangent goes to its first maximum.
  max_pool2d: (b, y, g) => [() => b.node("max_pool2d_grad", [y.inputs[0]!, g], y.attrs)],
  // Each window's cotangent is spread evenly over the window.
  avg_pool2d: (b, y, g) => [
    () =>
      b.node("avg_pool2d_grad", [g], {
        ...y.attrs,
        inputSize: hw(y.inputs[0]!.shape),
      }),
  ],
  // Piecewise constant in x (no gradient); linear in dy, but that would need a "select at the
  // window's argmax" primitive: second-order gradients through max pooling are not supported.
  max_pool2d_grad: () => [
    null,
    () => {
      throw new InternalError("second-order gradients through max_pool2d are not supported");
    },
  ],
  // avg_pool2d_grad is the transpose of the linear map avg_pool2d, so its VJP is avg_pool2d.
  avg_pool2d_grad: (b, y, g) => [
    () => b.node("avg_pool2d", [g], { size: y.attrs.size, stride: y.attrs.stride }),
  ],
  // Only an f32 -> f32 cast is differentiable (the identity); i32 on either side has no gradient.
  cast: (_b, y, g) => [y.dtype === "f32" && y.inputs[0]!.dtype === "f32" ? () => g : null],
  const: none,
  iota: none,
  stop_gradient: none,
  random_uniform: none,
  random_normal: none,
  input: none,
  param: none,
  // A state is read, never trained: no gradient flows into it.
  state: none,
};

/** Zero-pads g ([.., end-start, ..]) back to `shape` along `axis`. */
function padAlong(
  b: GraphBuilder,
  g: Node,
  shape: Shape,
  { axis, start, end }: NodeOf<"slice">["attrs"],
) {
  const zeros = (n: number) =>
    b.constant(
      0,
      shape.map((d, i) => (i === axis ? n : d)),
    );
  const parts = [
    start > 0 ? zeros(start) : null,
    g,
    end < shape[axis]! ? zeros(shape[axis]! - end) : null,
  ];
  return b.concat(
    parts.filter((p): p is Node => p !== null),
    axis,
  );
}

export const vjpRules: { readonly [P in Op]: VjpRule<P> } = {
  ...elementwiseVjps,
  ...structuralVjps,
};
