/**
 * @file The WGSL rules of the ops computed by loops (`LoopOp`: the `loop` kind in
 * src/ir/op-classes.ts, each a kernel root): the loop helpers, the reduction table shared by the
 * serial loop and the tree template, and one rule per loop op.
 */
import { geometryOf } from "../../ir/conv-geometry.js";
import type { Node, NodeOf } from "../../ir/node.js";
import type { LoopOp } from "../../ir/op-classes.js";
import type { ReduceOp } from "../../ops/ops.js";
import { insideImage, stridedTap, tapOffset, tapOutput, windowStart } from "./conv.js";
import type { Emitter, Rule } from "./rules.js";
import { broadcastIndex, f32Literal, paren, unflatten, type Index, type Writer } from "./writer.js";

const isF = (n: Node) => n.dtype === "f32";
const zero = (n: Node) => (isF(n) ? "0.0" : "0");

/**
 * Loops `for (var r = 0; r < n; r++)` around `body`, with a fresh name. Every kernel function has
 * an invocation index `t` that is never negative; hiding the bound behind it keeps the shader
 * compiler from unrolling short loops completely, which multiplies the code and makes CPU-backed
 * adapters compile for seconds. `unroll` keeps the constant bound for short, hot loops.
 */
function loop(w: Writer, n: number, body: (v: string) => void, unroll = false): void {
  const v = w.fresh("r");
  const bound = n <= 1 || unroll ? String(n) : `select(${n}, 0, t < 0)`;
  w.block(`for (var ${v} = 0; ${v} < ${bound}; ${v}++)`, () => body(v));
}

/** How a reduction starts, folds in one value and finishes (the serial and the tree template). */
export interface ReductionRule {
  readonly init: (n: Node) => string;
  readonly combine: (acc: string, v: string) => string;
  readonly finish: (acc: string, n: NodeOf<ReduceOp>) => string;
}

export const reductionRules: { readonly [P in ReduceOp]: ReductionRule } = {
  sum: { init: zero, combine: (acc, v) => `${acc} + ${paren(v)}`, finish: (acc) => acc },
  mean: {
    init: () => "0.0",
    combine: (acc, v) => `${acc} + ${paren(v)}`,
    finish: (acc, n) => `${acc} / ${f32Literal(reducedCount(n))}`,
  },
  max: {
    init: (n) => (isF(n) ? f32Literal(-Infinity) : "(-2147483647 - 1)"),
    combine: (acc, v) => `max(${acc}, ${v})`,
    finish: (acc) => acc,
  },
};

/** How many input elements a reduction folds into each output element. */
export function reducedCount(n: NodeOf<ReduceOp>): number {
  return n.attrs.axes.reduce((p, a) => p * n.inputs[0]!.shape[a]!, 1);
}

/**
 * The input index of a reduction at output index `idx`: kept axes filled in, reduced axes left
 * as "" for the caller's loop variables.
 */
export function reductionInputIndex(node: NodeOf<ReduceOp>, idx: Index): string[] {
  const x = node.inputs[0]!;
  const { axes, keepdims } = node.attrs;
  const inIdx: string[] = [];
  let k = 0;
  for (let d = 0; d < x.shape.length; d++) {
    if (axes.includes(d)) {
      inIdx.push("");
      if (keepdims) k++;
    } else inIdx.push(idx[k++]!);
  }
  return inIdx;
}

/** Emits a serial reduction loop for output index `idx`; returns the finished value. */
function reduceLoops(e: Emitter, node: NodeOf<ReduceOp>, idx: Index): string {
  const x = node.inputs[0]!;
  const rule = reductionRules[node.op];
  const axes = node.attrs.axes;
  const acc = e.w.fresh("acc");
  e.w.line(`var ${acc} = ${rule.init(node)};`);
  const inIdx = reductionInputIndex(node, idx);
  const nest = (i: number): void => {
    if (i === axes.length) {
      e.w.scoped(() => e.w.line(`${acc} = ${rule.combine(acc, e.value(x, inIdx))};`));
      return;
    }
    loop(e.w, x.shape[axes[i]!]!, (v) => {
      inIdx[axes[i]!] = v;
      nest(i + 1);
    });
  };
  nest(0);
  return rule.finish(acc, node);
}

function windowLoops(
  e: Emitter,
  size: readonly [number, number],
  body: (kh: string, kw: string) => void,
): void {
  // A small window is worth unrolling: its body is short and runs for every output element.
  const unroll = size[0] * size[1] <= 25;
  loop(e.w, size[0], (kh) => loop(e.w, size[1], (kw) => body(kh, kw), unroll), unroll);
}

/**
 * The pooling windows that may hold input position (h, w), for a gradient: along each axis the
 * ceil(size / stride) outputs up to h / stride, in ascending order (the order a scan of every
 * output sums them in), those within [0, OH); the body still checks `insideWindow`. Scanning all
 * OH x OW outputs instead made each gradient element cost O(OH OW): the MNIST CNN's first pooling
 * gradient took 0.7 s of a 1.4 s step on lavapipe.
 */
function windowsHolding(
  e: Emitter,
  [h, w]: readonly [string, string],
  [OH, OW]: readonly [number, number],
  { size, stride }: { size: readonly [number, number]; stride: readonly [number, number] },
  body: (oh: string, ow: string) => void,
): void {
  const candidates = (axis: 0 | 1) => Math.floor((size[axis] - 1) / stride[axis]) + 1;
  const near = (at: string, axis: 0 | 1, d: string) =>
    `${paren(at)} / ${stride[axis]} + ${d} - ${candidates(axis) - 1}`;
  loop(e.w, candidates(0), (dh) =>
    loop(e.w, candidates(1), (dw) => {
      const oh = e.w.bind(near(h, 0, dh), "oh");
      const ow = e.w.bind(near(w, 1, dw), "ow");
      e.w.block(`if (${oh} >= 0 && ${oh} < ${OH} && ${ow} >= 0 && ${ow} < ${OW})`, () =>
        body(oh, ow),
      );
    }),
  );
}

/** Whether input position (h, w) lies in the pooling window at output position (oh, ow). */
function insideWindow(
  h: string,
  w: string,
  oh: string,
  ow: string,
  { size, stride }: { size: readonly [number, number]; stride: readonly [number, number] },
): string {
  const top = `${oh} * ${stride[0]}`;
  const left = `${ow} * ${stride[1]}`;
  return `${paren(h)} >= ${top} && ${paren(h)} < ${top} + ${size[0]} && ${paren(w)} >= ${left} && ${paren(w)} < ${left} + ${size[1]}`;
}

export const loopRules: { readonly [P in LoopOp]: Rule<P> } = {
  sum: (e, n, idx) => reduceLoops(e, n, idx),
  mean: (e, n, idx) => reduceLoops(e, n, idx),
  max: (e, n, idx) => reduceLoops(e, n, idx),
  argmax: (e, n, idx) => {
    const x = n.inputs[0]!;
    const axis = n.attrs.axis;
    const at = (v: string) => [...idx.slice(0, axis), v, ...idx.slice(axis)];
    const best = e.w.fresh("best");
    const arg = e.w.fresh("arg");
    e.w.line(`var ${best} = ${e.w.scoped(() => e.value(x, at("0")))};`);
    e.w.line(`var ${arg} = 0;`);
    loop(e.w, x.shape[axis]!, (v) =>
      e.w.scoped(() => {
        const xv = e.w.bind(e.value(x, at(v)));
        e.w.block(`if (${xv} > ${best} || (${xv} != ${xv} && ${best} == ${best}))`, () => {
          e.w.line(`${best} = ${xv};`);
          e.w.line(`${arg} = ${v};`);
        });
      }),
    );
    return arg;
  },
  matmul: (e, n, idx) => {
    const [a, b] = n.inputs as [Node, Node];
    const r = n.shape.length;
    const batch = idx.slice(0, r - 2);
    const [i, j] = [idx[r - 2]!, idx[r - 1]!];
    const acc = e.w.fresh("acc");
    e.w.line(`var ${acc} = 0.0;`);
    const bi = (x: Node) => broadcastIndex(batch, n.shape.slice(0, r - 2), x.shape.slice(0, -2));
    loop(e.w, a.shape[a.shape.length - 1]!, (k) =>
      e.w.scoped(() =>
        e.w.line(
          `${acc} = fma(${e.value(a, [...bi(a), i, k])}, ${e.value(b, [...bi(b), k, j])}, ${acc});`,
        ),
      ),
    );
    return acc;
  },
  scatter_add: (e, n, idx) => {
    const [ids, updates] = n.inputs as [Node, Node];
    const count = ids.shape.reduce((p, d) => p * d, 1);
    const acc = e.w.fresh("acc");
    e.w.line(`var ${acc} = 0.0;`);
    loop(e.w, count, (t) =>
      e.w.scoped(() => {
        const tIdx = unflatten(t, ids.shape);
        e.w.block(`if (${paren(e.value(ids, tIdx))} == ${idx[0]})`, () =>
          e.w.line(`${acc} = ${acc} + ${paren(e.value(updates, [...tIdx, ...idx.slice(1)]))};`),
        );
      }),
    );
    return acc;
  },
  conv2d: (e, n, idx) => {
    const [x, wt] = n.inputs as [Node, Node];
    const [nn, o, oh, ow] = idx as [string, string, string, string];
    const g = geometryOf(n);
    const acc = e.w.fresh("acc");
    e.w.line(`var ${acc} = 0.0;`);
    loop(e.w, g.C, (c) =>
      windowLoops(e, [g.KH, g.KW], (kh, kw) =>
        e.w.scoped(() => {
          const ih = e.w.bind(`${windowStart(paren(oh), 0, g)} + ${kh}`, "ih");
          const iw = e.w.bind(`${windowStart(paren(ow), 1, g)} + ${kw}`, "iw");
          e.w.block(`if (${insideImage(ih, iw, g)})`, () =>
            e.w.line(
              `${acc} = ${acc} + ${paren(e.value(x, [nn, c, ih, iw]))} * ${paren(e.value(wt, [o, c, kh, kw]))};`,
            ),
          );
        }),
      ),
    );
    return acc;
  },
  conv2d_input_grad: (e, n, idx) => {
    const [dy, wt] = n.inputs as [Node, Node];
    const [nn, c, h, wi] = idx as [string, string, string, string];
    const g = geometryOf(n);
    const acc = e.w.fresh("acc");
    e.w.line(`var ${acc} = 0.0;`);
    loop(e.w, g.O, (o) =>
      windowLoops(e, [g.KH, g.KW], (kh, kw) =>
        e.w.scoped(() => {
          const th = e.w.bind(tapOffset(paren(h), kh, 0, g), "th");
          const tw = e.w.bind(tapOffset(paren(wi), kw, 1, g), "tw");
          e.w.block(`if (${stridedTap(th, tw, g)})`, () =>
            e.w.line(
              `${acc} = ${acc} + ${paren(e.value(dy, [nn, o, tapOutput(th, 0, g), tapOutput(tw, 1, g)]))} * ${paren(e.value(wt, [o, c, kh, kw]))};`,
            ),
          );
        }),
      ),
    );
    return acc;
  },
  conv2d_filter_grad: (e, n, idx) => {
    const [x, dy] = n.inputs as [Node, Node];
    const [o, c, kh, kw] = idx as [string, string, string, string];
    const g = geometryOf(n);
    const acc = e.w.fresh("acc");
    e.w.line(`var ${acc} = 0.0;`);
    loop(e.w, g.N, (nn) =>
      loop(e.w, g.OH, (oh) =>
        loop(e.w, g.OW, (ow) =>
          e.w.scoped(() => {
            const ih = e.w.bind(`${windowStart(oh, 0, g)} + ${paren(kh)}`, "ih");
            const iw = e.w.bind(`${windowStart(ow, 1, g)} + ${paren(kw)}`, "iw");
            e.w.block(`if (${insideImage(ih, iw, g)})`, () =>
              e.w.line(
                `${acc} = ${acc} + ${paren(e.value(x, [nn, c, ih, iw]))} * ${paren(e.value(dy, [nn, o, oh, ow]))};`,
              ),
            );
          }),
        ),
      ),
    );
    return acc;
  },
  max_pool2d: (e, n, idx) => {
    const x = n.inputs[0]!;
    const [nn, c, oh, ow] = idx as [string, string, string, string];
    const { size, stride } = n.attrs;
    const best = e.w.fresh("best");
    e.w.line(`var ${best} = ${f32Literal(-Infinity)};`);
    windowLoops(e, size, (kh, kw) =>
      e.w.scoped(() => {
        const v = e.w.bind(
          e.value(x, [
            nn,
            c,
            `${paren(oh)} * ${stride[0]} + ${kh}`,
            `${paren(ow)} * ${stride[1]} + ${kw}`,
          ]),
        );
        e.w.line(`${best} = select(${best}, ${v}, ${v} > ${best} || ${v} != ${v});`);
      }),
    );
    return best;
  },
  avg_pool2d: (e, n, idx) => {
    const x = n.inputs[0]!;
    const [nn, c, oh, ow] = idx as [string, string, string, string];
    const { size, stride } = n.attrs;
    const acc = e.w.fresh("acc");
    e.w.line(`var ${acc} = 0.0;`);
    windowLoops(e, size, (kh, kw) =>
      e.w.scoped(() =>
        e.w.line(
          `${acc} = ${acc} + ${paren(e.value(x, [nn, c, `${paren(oh)} * ${stride[0]} + ${kh}`, `${paren(ow)} * ${stride[1]} + ${kw}`]))};`,
        ),
      ),
    );
    return `${acc} / ${f32Literal(size[0] * size[1])}`;
  },
  max_pool2d_grad: (e, n, idx) => {
    // dx at (h, w) sums dy over the windows whose first maximum is (h, w).
    const [x, dy] = n.inputs as [Node, Node];
    const [nn, c, h, wi] = idx as [string, string, string, string];
    const [, , OH, OW] = dy.shape as [number, number, number, number];
    const { size, stride } = n.attrs;
    const acc = e.w.fresh("acc");
    e.w.line(`var ${acc} = 0.0;`);
    windowsHolding(e, [h, wi], [OH, OW], n.attrs, (oh, ow) =>
      e.w.scoped(() => {
        const inside = insideWindow(h, wi, oh, ow, n.attrs);
        e.w.block(`if (${inside})`, () => {
          const bh = e.w.fresh("bh");
          const bw = e.w.fresh("bw");
          const bv = e.w.fresh("bv");
          e.w.line(`var ${bh} = ${oh} * ${stride[0]};`);
          e.w.line(`var ${bw} = ${ow} * ${stride[1]};`);
          e.w.line(`var ${bv} = ${e.w.scoped(() => e.value(x, [nn, c, bh, bw]))};`);
          windowLoops(e, size, (kh, kw) =>
            e.w.scoped(() => {
              const ph = e.w.bind(`${oh} * ${stride[0]} + ${kh}`, "ph");
              const pw = e.w.bind(`${ow} * ${stride[1]} + ${kw}`, "pw");
              const v = e.w.bind(e.value(x, [nn, c, ph, pw]));
              e.w.block(`if (${v} > ${bv} || (${v} != ${v} && ${bv} == ${bv}))`, () => {
                e.w.line(`${bv} = ${v};`);
                e.w.line(`${bh} = ${ph};`);
                e.w.line(`${bw} = ${pw};`);
              });
            }),
          );
          e.w.block(`if (${bh} == ${paren(h)} && ${bw} == ${paren(wi)})`, () =>
            e.w.line(`${acc} = ${acc} + ${paren(e.w.scoped(() => e.value(dy, [nn, c, oh, ow])))};`),
          );
        });
      }),
    );
    return acc;
  },
  avg_pool2d_grad: (e, n, idx) => {
    const dy = n.inputs[0]!;
    const [nn, c, h, wi] = idx as [string, string, string, string];
    const [, , OH, OW] = dy.shape as [number, number, number, number];
    const { size } = n.attrs;
    const acc = e.w.fresh("acc");
    e.w.line(`var ${acc} = 0.0;`);
    windowsHolding(e, [h, wi], [OH, OW], n.attrs, (oh, ow) =>
      e.w.scoped(() => {
        const inside = insideWindow(h, wi, oh, ow, n.attrs);
        e.w.block(`if (${inside})`, () =>
          e.w.line(`${acc} = ${acc} + ${paren(e.value(dy, [nn, c, oh, ow]))};`),
        );
      }),
    );
    return `${acc} / ${f32Literal(size[0] * size[1])}`;
  },
};
