/**
 * @file The geometry of a 2-D convolution, defined once for every layer that walks one: the sizes
 * read from its three tensors whichever op they belong to, the GEMM view of each convolution op
 * (which sizes form its rows, columns and reduced steps), how often each operand element is read,
 * and its multiply-adds. The interpreter's loop, the fusion cost model, the WGSL rules, the tiled
 * template and the FLOP estimate all read it.
 *
 * conv2d(x [N,C,H,W], w [O,C,KH,KW]) -> y [N,O,OH,OW] with stride s and padding p:
 * y[n,o,oh,ow] = sum over (c,kh,kw) of x[n,c,oh·s-p+kh,ow·s-p+kw] · w[o,c,kh,kw], taps in the
 * padding reading 0. Its input gradient maps (dy = y, w) to x's shape, its filter gradient
 * (x, dy) to w's.
 */
import { type Node, type NodeOf, sizeOf } from "./node.js";
import type { ConvAttrs, Pair, Shape } from "../ops/ops.js";

export type ConvOp = "conv2d" | "conv2d_input_grad" | "conv2d_filter_grad";
/** A node of one of the convolution ops; narrows on `op`. */
export type ConvNode = { [O in ConvOp]: NodeOf<O> }[ConvOp];

export interface ConvGeometry {
  /** Batch, input channels and the input image's height and width (x is [N,C,H,W]). */
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  /** Output channels and the filter window (w is [O,C,KH,KW]). */
  readonly O: number;
  readonly KH: number;
  readonly KW: number;
  /** The output image (y is [N,O,OH,OW]). */
  readonly OH: number;
  readonly OW: number;
  readonly stride: Pair;
  readonly padding: Pair;
}

/** The geometry of the convolution with input `x`, filter `w` and output `y`. */
export function convGeometry(x: Shape, w: Shape, y: Shape, attrs: ConvAttrs): ConvGeometry {
  const [N, C, H, W] = x as [number, number, number, number];
  const [O, , KH, KW] = w as [number, number, number, number];
  const [, , OH, OW] = y as [number, number, number, number];
  return { N, C, H, W, O, KH, KW, OH, OW, stride: attrs.stride, padding: attrs.padding };
}

/** Which of a convolution op's inputs and output are x, w and y. */
const tensorsOf: {
  readonly [O in ConvOp]: (n: NodeOf<O>) => readonly [x: Shape, w: Shape, y: Shape];
} = {
  conv2d: (n) => [n.inputs[0]!.shape, n.inputs[1]!.shape, n.shape],
  conv2d_input_grad: (n) => [n.shape, n.inputs[1]!.shape, n.inputs[0]!.shape],
  conv2d_filter_grad: (n) => [n.inputs[0]!.shape, n.shape, n.inputs[1]!.shape],
};

/** The geometry of a convolution node (conv2d or one of its gradients). */
export function geometryOf(n: ConvNode): ConvGeometry {
  const [x, w, y] = (tensorsOf[n.op] as (n: NodeOf<ConvOp>) => readonly [Shape, Shape, Shape])(n);
  return convGeometry(x, w, y, n.attrs);
}

/**
 * A convolution op as a matrix product (an implicit GEMM): out[row, col] = sum over steps of
 * A[row, step] · B[step, col], each of rows, columns and steps a multi-index over the sizes listed
 * (row-major). A is the op's first operand in the order the tiled template reads it: the filter
 * for conv2d, dy for the filter gradient, dy (gathered at the strided positions) for the input
 * gradient.
 */
export interface ConvGemm {
  readonly rows: readonly number[];
  readonly cols: readonly number[];
  readonly steps: readonly number[];
}

export const convGemmRules: { readonly [O in ConvOp]: (g: ConvGeometry) => ConvGemm } = {
  // rows o, columns (n, oh, ow), steps (c, kh, kw)
  conv2d: (g) => ({ rows: [g.O], cols: [g.N, g.OH, g.OW], steps: [g.C, g.KH, g.KW] }),
  // rows o, columns (c, kh, kw), steps (n, oh, ow)
  conv2d_filter_grad: (g) => ({ rows: [g.O], cols: [g.C, g.KH, g.KW], steps: [g.N, g.OH, g.OW] }),
  // rows (n, h, w), columns c, steps (o, kh, kw)
  conv2d_input_grad: (g) => ({ rows: [g.N, g.H, g.W], cols: [g.C], steps: [g.O, g.KH, g.KW] }),
};

/** Rows, columns and steps of a convolution node's GEMM view, as counts. */
export function convGemmSize(n: ConvNode): { M: number; N: number; K: number } {
  const v = convGemmRules[n.op](geometryOf(n));
  return { M: sizeOf(v.rows), N: sizeOf(v.cols), K: sizeOf(v.steps) };
}

/**
 * How often a convolution op reads each element of its input `k` (padding ignored): each input
 * tap feeds every output channel at every window position, each filter weight every output
 * position, and so on.
 */
export const convReadRules: {
  readonly [O in ConvOp]: (g: ConvGeometry, k: number) => number;
} = {
  // (x, w)
  conv2d: (g, k) => (k === 0 ? g.O * g.KH * g.KW : g.N * g.OH * g.OW),
  // (dy, w)
  conv2d_input_grad: (g, k) => (k === 0 ? g.C * g.KH * g.KW : g.N * g.H * g.W),
  // (x, dy): every weight element sweeps the whole batch
  conv2d_filter_grad: (g, k) => (k === 0 ? g.O * g.KH * g.KW : g.C * g.KH * g.KW),
};

export function isConv(n: Node): n is ConvNode {
  return n.op === "conv2d" || n.op === "conv2d_input_grad" || n.op === "conv2d_filter_grad";
}
