/**
 * @file What codegen needs to know of each IR op, in one exhaustive table (`opInfo`, a row per
 * op): what recomputing it inside another kernel costs, whether it rereads its operands, whether
 * the tiled templates write it as a GEMM. Fusion (fuse.ts) and the templates ask this table and
 * the IR's (`opClasses` in src/ir/op-classes.ts: loops, elementwise ops, leaves) instead of
 * keeping op sets of their own, so a new op is a compile error until it has a row. The WGSL
 * rule tables (`wgslRules`, `vectorRules`) are exhaustive in the same way.
 */
import type { Op } from "../ops/ops.js";

export interface OpInfo {
  /**
   * Costs next to nothing per element, so recomputing it in a consumer's inner loop is fine:
   * fusion inlines it into several consumers and into the operands of products (`shared`,
   * `reread`). Transcendentals, `div`, `pow` and loops are not cheap.
   */
  readonly cheap: boolean;
  /**
   * Ops one element of it costs a consumer that inlines it: `free` for ops that only move
   * indices (`broadcast`, `reshape`, `transpose`, `slice`, `const`, `iota`; also never stored for
   * being reread, `reread-large`), `per-operand` for `concat` (a `select` per part), `one`
   * otherwise.
   */
  readonly cost: "free" | "one" | "per-operand";
  /** Reads each operand element many times per output (products, convolutions, scatter). */
  readonly rereads: boolean;
  /** A product the tiled templates write through its GEMM view (templates/gemm.ts). */
  readonly gemm: boolean;
  /**
   * Not counted among the ops fused around a product when sizing its tile (tiled.ts): it adds
   * no arithmetic per element.
   */
  readonly tileFree: boolean;
}

const math: OpInfo = { cheap: false, cost: "one", rereads: false, gemm: false, tileFree: false };
/** Cheap arithmetic, comparisons, selects and casts. */
const cheap: OpInfo = { ...math, cheap: true };
/** Index arithmetic only. */
const view: OpInfo = { ...cheap, cost: "free", tileFree: true };
/** A loop that reads each operand element once per output it contributes to. */
const loop: OpInfo = math;
const product: OpInfo = { ...math, rereads: true, gemm: true };
const leaf: OpInfo = math;

export const opInfo: { readonly [P in Op]: OpInfo } = {
  neg: cheap,
  exp: math,
  log: math,
  sqrt: math,
  rsqrt: math,
  tanh: math,
  sigmoid: math,
  relu: cheap,
  abs: cheap,
  sign: math,
  sin: math,
  cos: math,
  erf: math,
  add: cheap,
  sub: cheap,
  mul: cheap,
  div: math,
  pow: math,
  maximum: cheap,
  minimum: cheap,
  less: cheap,
  less_equal: cheap,
  greater: cheap,
  greater_equal: cheap,
  equal: cheap,
  not_equal: cheap,
  where: cheap,
  cast: cheap,
  stop_gradient: cheap,
  broadcast: view,
  reshape: view,
  transpose: view,
  // counted in a tile: its index arithmetic adds an offset
  slice: { ...view, tileFree: false },
  concat: { ...math, cost: "per-operand" },
  gather: cheap,
  one_hot: cheap,
  sum: loop,
  max: loop,
  mean: loop,
  argmax: loop,
  matmul: product,
  scatter_add: { ...loop, rereads: true },
  conv2d: product,
  conv2d_input_grad: product,
  conv2d_filter_grad: product,
  max_pool2d: loop,
  avg_pool2d: loop,
  max_pool2d_grad: loop,
  avg_pool2d_grad: loop,
  const: view,
  iota: { ...view, tileFree: false },
  random_uniform: math,
  random_normal: math,
  input: leaf,
  param: leaf,
  state: leaf,
};
