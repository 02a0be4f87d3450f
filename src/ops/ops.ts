/**
 * @file The primitive set, below every layer that uses it: op names grouped by kind, and the
 * typed attributes of each op. The IR's per-op tables, codegen's and the exporters' are keyed by
 * `Op`, and the checker's builtins by the ops it records, so adding an op here is a compile
 * error until each table has a row for it. Attributes that hold sizes are generic over the
 * dimension type `D`: numbers in the IR, symbolic dimensions in the checker's trace.
 */

export type Dtype = "f32" | "i32";
/** A shape: sizes in the IR (the default), symbolic dimensions in the checker's trace. */
export type Shape<D = number> = readonly D[];
/** A (height, width) pair, as used by conv2d and pooling. */
export type Pair = readonly [number, number];

export {
  binaryOps,
  compareOps,
  unaryOps,
  type BinaryOp,
  type CompareOp,
  type UnaryOp,
} from "./elementwise.js";
import type { BinaryOp, CompareOp, UnaryOp } from "./elementwise.js";

export const reduceOps = ["sum", "max", "mean"] as const;
export type ReduceOp = (typeof reduceOps)[number];

export type NoAttrs = Readonly<Record<string, never>>;

/** `axes` are sorted, unique and non-negative (the builder normalises negative axes). */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

/** Symmetric zero padding: `padding` rows/columns on each side of the image. */
export interface ConvAttrs {
  readonly stride: Pair;
  readonly padding: Pair;
}

/** Windows of `size` moved by `stride`, no padding (a partial window at the edge is dropped). */
export interface PoolAttrs {
  readonly size: Pair;
  readonly stride: Pair;
}

/**
 * Counter-based random numbers: a pure function of (seed, stream, element index) and, when the
 * node has an operand (a scalar i32, the training step), of that value too.
 */
export interface RandomAttrs<D = number> {
  readonly shape: Shape<D>;
  readonly seed: number;
  readonly stream: number;
}

export interface LeafAttrs<D = number> {
  readonly name: string;
  readonly shape: Shape<D>;
  readonly dtype: Dtype;
}

interface StructuralAttrs<D> {
  /** where(cond, a, b): cond != 0 picks a. */
  where: NoAttrs;
  broadcast: { readonly shape: Shape<D> };
  sum: ReduceAttrs;
  max: ReduceAttrs;
  mean: ReduceAttrs;
  /** Index of the first maximum along `axis`, which is removed from the shape; i32. */
  argmax: { readonly axis: number };
  /** Batched: [..., m, k] @ [..., k, n] with the leading batch dims broadcast. */
  matmul: NoAttrs;
  reshape: { readonly shape: Shape<D> };
  /** Output dim i is input dim perm[i]. */
  transpose: { readonly perm: readonly number[] };
  /** Elements [start, end) along `axis`. */
  slice: {
    readonly axis: number;
    readonly start: number;
    readonly end: number;
  };
  concat: { readonly axis: number };
  /** gather(table [V, D...], ids i32 [I...]) -> [I..., D...]. */
  gather: NoAttrs;
  /** scatter_add(ids i32 [I...], updates [I..., D...]) -> [rows, D...], summing repeated ids. */
  scatter_add: { readonly rows: number };
  /** one_hot(ids i32 [I...]) -> f32 [I..., depth]. */
  one_hot: { readonly depth: number };
  /** conv2d(x [N,C,H,W], w [O,C,KH,KW]) -> [N,O,OH,OW] (cross-correlation, as in every framework). */
  conv2d: ConvAttrs;
  /** The gradient of conv2d w.r.t. x: (dy [N,O,OH,OW], w) -> [N,C,H,W] with [H,W] = inputSize. */
  conv2d_input_grad: ConvAttrs & { readonly inputSize: Pair };
  /** The gradient of conv2d w.r.t. w: (x, dy) -> [O,C,KH,KW] with [KH,KW] = kernelSize. */
  conv2d_filter_grad: ConvAttrs & { readonly kernelSize: Pair };
  max_pool2d: PoolAttrs;
  avg_pool2d: PoolAttrs;
  /** (x, dy) -> dx: each window's dy goes to the first maximum of that window in x. */
  max_pool2d_grad: PoolAttrs;
  /** (dy) -> dx [N,C,H,W] with [H,W] = inputSize: each window's dy spread evenly over it. */
  avg_pool2d_grad: PoolAttrs & { readonly inputSize: Pair };
  /** f32 -> i32 truncates toward zero. */
  cast: { readonly to: Dtype };
  /** A tensor of `shape` filled with `value`; shape [] is a scalar, which broadcasts. */
  const: {
    readonly value: number;
    readonly shape: Shape<D>;
    readonly dtype: Dtype;
  };
  /** i32 [n] holding 0..n-1. */
  iota: { readonly n: D };
  /** Identity forward; no gradient flows through it. */
  stop_gradient: NoAttrs;
  /** Uniform in [0, 1), see src/ir/random.ts. */
  random_uniform: RandomAttrs<D>;
  /** Standard normal via Box-Muller, see src/ir/random.ts. */
  random_normal: RandomAttrs<D>;
  input: LeafAttrs<D>;
  param: LeafAttrs<D>;
  /** A model's `state`: persistent like a parameter, never differentiated or trained. */
  state: LeafAttrs<D>;
}

/** Each op's attributes, with sizes of type `D` (numbers unless said otherwise). */
export type OpAttrs<D = number> = {
  [P in UnaryOp | BinaryOp | CompareOp]: NoAttrs;
} & StructuralAttrs<D>;
export type Op = keyof OpAttrs;

/**
 * The ops only differentiation makes (the gradients of convolution, pooling and `gather`): the
 * checker's trace never holds them, and only a training graph needs their lowerings.
 */
export type GradientOp =
  | "conv2d_input_grad"
  | "conv2d_filter_grad"
  | "max_pool2d_grad"
  | "avg_pool2d_grad"
  | "scatter_add";

const none = [] as const;
const conv = ["stride", "padding"] as const;
const pool = ["size", "stride"] as const;
const reduce = ["axes", "keepdims"] as const;
const random = ["shape", "seed", "stream"] as const;
const leaf = ["name", "shape", "dtype"] as const;

/**
 * The attribute names of each op, in the order they are printed and keyed for interning.
 * `verify` checks that a node has exactly these attributes.
 */
export const attrNames: {
  readonly [P in Op]: readonly (keyof OpAttrs[P] & string)[];
} = {
  neg: none,
  exp: none,
  log: none,
  sqrt: none,
  rsqrt: none,
  tanh: none,
  sigmoid: none,
  relu: none,
  abs: none,
  sign: none,
  sin: none,
  cos: none,
  erf: none,
  add: none,
  sub: none,
  mul: none,
  div: none,
  pow: none,
  maximum: none,
  minimum: none,
  less: none,
  less_equal: none,
  greater: none,
  greater_equal: none,
  equal: none,
  not_equal: none,
  where: none,
  broadcast: ["shape"],
  sum: reduce,
  max: reduce,
  mean: reduce,
  argmax: ["axis"],
  matmul: none,
  reshape: ["shape"],
  transpose: ["perm"],
  slice: ["axis", "start", "end"],
  concat: ["axis"],
  gather: none,
  scatter_add: ["rows"],
  one_hot: ["depth"],
  conv2d: conv,
  conv2d_input_grad: [...conv, "inputSize"],
  conv2d_filter_grad: [...conv, "kernelSize"],
  max_pool2d: pool,
  avg_pool2d: pool,
  max_pool2d_grad: pool,
  avg_pool2d_grad: [...pool, "inputSize"],
  cast: ["to"],
  const: ["value", "shape", "dtype"],
  iota: ["n"],
  stop_gradient: none,
  random_uniform: random,
  random_normal: random,
  input: leaf,
  param: leaf,
  state: leaf,
};

export const allOps = Object.keys(attrNames) as Op[];

/**
 * A table row for each op (or checker builtin name) of a group, made by one factory (for ops that
 * share a rule).
 */
export function rowsFor<K extends string, R>(ops: readonly K[], make: (op: K) => R): Record<K, R> {
  return Object.fromEntries(ops.map((op) => [op, make(op)])) as Record<K, R>;
}
