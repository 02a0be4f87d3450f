/**
 * @file The GEMM view of a product: matmul as it is, and the three convolutions as implicit
 * GEMMs whose rows, columns and steps come from their shared geometry (conv-geometry.ts). The
 * tiled templates (tiled.ts) read A and B through it.
 */
import {
  convGemmRules,
  convGemmSize,
  geometryOf,
  isConv,
  type ConvGemm,
  type ConvGeometry,
  type ConvNode,
  type ConvOp,
} from "../../ir/conv-geometry.js";
import { type Node, sizeOf } from "../../ir/node.js";
import { opInfo } from "../op-info.js";
import { insideImage, stridedTap, tapOffset, tapOutput, windowStart } from "../wgsl/conv.js";
import type { Emitter } from "../wgsl/rules.js";
import { broadcastIndex, unflatten, type Index, type Writer } from "../wgsl/writer.js";

/** A matmul or a convolution: a product the tiled templates can write (`gemm` in op-info.ts). */
export function isGemm(n: Node): boolean {
  return opInfo[n.op].gemm;
}

/** Batch, rows and columns of a product's GEMM view, without writing any code. */
export function gemmDims(n: Node): { batch: number; m: number; n: number } {
  if (isConv(n)) {
    const { M, N } = convGemmSize(n);
    return { batch: 1, m: M, n: N };
  }
  const s = n.shape;
  return { batch: sizeOf(s.slice(0, -2)), m: s.at(-2)!, n: s.at(-1)! };
}

/**
 * A product seen as a GEMM: `batch` independent M x N outputs, each a sum over K of A(m, k) ·
 * B(k, n). Rows, columns and steps of k are decoded once (into index names) and reused by every
 * load of the tile; `out` maps a row and a column to the loop node's own multi-index.
 */
export interface Gemm {
  readonly batchShape: readonly number[];
  readonly M: number;
  readonly N: number;
  readonly K: number;
  row(m: string): string[];
  col(n: string): string[];
  step(k: string): string[];
  a(batch: Index, row: readonly string[], step: readonly string[]): string;
  b(batch: Index, step: readonly string[], col: readonly string[]): string;
  out(batch: Index, row: readonly string[], col: readonly string[]): Index;
}

/** The GEMM view of a loop node, for matmul and the three convolutions (implicit GEMM). */
export function gemmOf(w: Writer, e: Emitter, node: Node): Gemm | undefined {
  if (isConv(node)) return convGemmOf(w, e, node);
  if (node.op !== "matmul") return undefined;
  const [a, b] = node.inputs as [Node, Node];
  const r = node.shape.length;
  const batchShape = node.shape.slice(0, -2);
  const aB = (bi: Index) => broadcastIndex(bi, batchShape, a.shape.slice(0, -2));
  const bB = (bi: Index) => broadcastIndex(bi, batchShape, b.shape.slice(0, -2));
  return {
    batchShape,
    M: node.shape[r - 2]!,
    N: node.shape[r - 1]!,
    K: a.shape[a.shape.length - 1]!,
    row: (m) => [m],
    col: (n) => [n],
    step: (k) => [k],
    a: (bi, [m], [k]) => e.value(a, [...aB(bi), m!, k!]),
    b: (bi, [k], [n]) => e.value(b, [...bB(bi), k!, n!]),
    out: (bi, [m], [n]) => [...bi, m!, n!],
  };
}

/** Per convolution op, its A and B operands and output index over the decoded GEMM indices. */
type ConvView = Pick<Gemm, "row" | "col" | "step" | "a" | "b" | "out">;

/**
 * A convolution as an implicit GEMM: sizes from its geometry's GEMM view (`convGemmRules`); rows,
 * columns and steps decoded into index names once per tile; image taps read clamped and selected
 * to 0 in the padding, so every load stays in bounds.
 */
function convGemmOf(w: Writer, e: Emitter, node: ConvNode): Gemm {
  const g = geometryOf(node);
  const view = convGemmRules[node.op](g);
  const tools: ConvTools = {
    g,
    dec: (x, shape, p) => unflatten(x, shape).map((v) => w.bind(v, p)),
    start: (o, axis) => w.bind(windowStart(o, axis, g), axis === 0 ? "h" : "w"),
    tap: (x, n, c, h0, w0, kh, kw) => {
      const ih = w.bind(`${h0} + ${kh}`, "ih");
      const iw = w.bind(`${w0} + ${kw}`, "iw");
      const v = e.value(x, [n, c, clampTo(ih, g.H), clampTo(iw, g.W)]);
      return `select(0.0, ${v}, ${insideImage(ih, iw, g)})`;
    },
  };
  const [p, q] = node.inputs as [Node, Node];
  return {
    batchShape: [],
    M: sizeOf(view.rows),
    N: sizeOf(view.cols),
    K: sizeOf(view.steps),
    ...convViews[node.op](tools, view, p, q, w, e),
  };
}

const clampTo = (v: string, n: number) => `clamp(${v}, 0, ${n - 1})`;

interface ConvTools {
  readonly g: ConvGeometry;
  /** Decodes a flat GEMM index into names over `shape`, prefixed `p`. */
  dec(x: string, shape: readonly number[], p: string): string[];
  /** The window start o·s - p of output position `o` on `axis`, as a name. */
  start(o: string, axis: 0 | 1): string;
  /** x[n, c, h0 + kh, w0 + kw], or 0 in the padding. */
  tap(x: Node, n: string, c: string, h0: string, w0: string, kh: string, kw: string): string;
}

const convViews: {
  readonly [O in ConvOp]: (
    t: ConvTools,
    v: ConvGemm,
    p: Node,
    q: Node,
    w: Writer,
    e: Emitter,
  ) => ConvView;
} = {
  // y[n,o,oh,ow] = sum over (c,kh,kw) of w[o,c,kh,kw] · x[n,c,oh·s-p+kh,ow·s-p+kw]
  conv2d: (t, v, x, wt, _w, e) => ({
    row: (m) => [m],
    col: (p) => {
      const [n, oh, ow] = t.dec(p, v.cols, "q");
      return [n!, t.start(oh!, 0), t.start(ow!, 1), oh!, ow!];
    },
    step: (k) => t.dec(k, v.steps, "s"),
    a: (_b, [o], [c, kh, kw]) => e.value(wt, [o!, c!, kh!, kw!]),
    b: (_b, [c, kh, kw], [n, h0, w0]) => t.tap(x, n!, c!, h0!, w0!, kh!, kw!),
    out: (_b, [o], [n, , , oh, ow]) => [n!, o!, oh!, ow!],
  }),
  // dw[o,c,kh,kw] = sum over (n,oh,ow) of dy[n,o,oh,ow] · x[n,c,oh·s-p+kh,ow·s-p+kw]
  conv2d_filter_grad: (t, v, x, dy, _w, e) => ({
    row: (m) => [m],
    col: (j) => t.dec(j, v.cols, "q"),
    step: (k) => {
      const [n, oh, ow] = t.dec(k, v.steps, "s");
      return [n!, oh!, ow!, t.start(oh!, 0), t.start(ow!, 1)];
    },
    a: (_b, [o], [n, oh, ow]) => e.value(dy, [n!, o!, oh!, ow!]),
    b: (_b, [n, , , h0, w0], [c, kh, kw]) => t.tap(x, n!, c!, h0!, w0!, kh!, kw!),
    out: (_b, [o], [c, kh, kw]) => [o!, c!, kh!, kw!],
  }),
  // dx[n,c,h,w] = sum over (o,kh,kw) of dy[n,o,(h+p-kh)/s,(w+p-kw)/s] · w[o,c,kh,kw]
  conv2d_input_grad: (t, v, dy, wt, w, e) => ({
    row: (i) => t.dec(i, v.rows, "q"),
    col: (c) => [c],
    step: (k) => t.dec(k, v.steps, "s"),
    a: (_b, [n, h, wi], [o, kh, kw]) => {
      const { g } = t;
      const th = w.bind(tapOffset(h!, kh!, 0, g), "th");
      const tw = w.bind(tapOffset(wi!, kw!, 1, g), "tw");
      const at = [clampTo(tapOutput(th, 0, g), g.OH), clampTo(tapOutput(tw, 1, g), g.OW)];
      const value = e.value(dy, [n!, o!, ...at]);
      return `select(0.0, ${value}, ${stridedTap(th, tw, g)})`;
    },
    b: (_b, [o, kh, kw], [c]) => e.value(wt, [o!, c!, kh!, kw!]),
    out: (_b, [n, h, wi], [c]) => [n!, c!, h!, wi!],
  }),
};
