/**
 * @file The classes each IR op belongs to, in one exhaustive table (`opClasses`, a row per op):
 * how it computes its elements, whether the backward may recompute it (remat.ts) and whether its
 * values are finite whatever its inputs hold (algebra.ts). Passes ask the table instead of
 * keeping op sets of their own, so a new op is a compile error until it has a row. Codegen's
 * per-op table (`src/codegen/op-info.ts`) builds on it.
 */
import type { Node, NodeOf } from "./node.js";
import {
  binaryOps,
  compareOps,
  reduceOps,
  rowsFor,
  unaryOps,
  type Op,
  type ReduceOp,
} from "../ops/ops.js";

/**
 * How an op computes its elements:
 * - `leaf`: read from memory (inputs, parameters, state);
 * - `generator`: from its own index and attributes (constants, `iota`, random numbers);
 * - `elementwise`: element i from element i of each operand (after broadcasting);
 * - `view`: picks one operand element by index arithmetic (`concat` picks among its parts);
 * - `indexed`: picks by an i32 id operand (`gather` a table row, `one_hot` a 1 at the id);
 * - `loop`: folds many operand elements per output element (reductions, products, convolutions,
 *   pooling, `argmax`, `scatter_add`); codegen makes each a kernel root.
 */
export type OpKind = "leaf" | "generator" | "elementwise" | "view" | "indexed" | "loop";

export interface OpClass<P extends Op = Op> {
  readonly kind: OpKind;
  /**
   * The backward may recompute it instead of reading it stored: it needs no loop and reads each
   * input element once (random numbers are a pure function of seed, stream, step and index, so a
   * copy draws the same values). Loops and `gather` are always read stored.
   */
  readonly recomputable: boolean;
  /**
   * Every element is finite whatever the graph's inputs hold (0/1 masks, random numbers), or a
   * test of the node when that depends on its attributes or operands. i32 values are always
   * finite (`isFinite` in algebra.ts); false means "not provably".
   */
  readonly finite: boolean | ((n: NodeOf<P>) => boolean);
}

const elementwise = { kind: "elementwise", recomputable: true, finite: false } as const;
const view = { kind: "view", recomputable: true, finite: false } as const;
const loop = { kind: "loop", recomputable: false, finite: false } as const;
const leaf = { kind: "leaf", recomputable: false, finite: false } as const;
const random = { kind: "generator", recomputable: true, finite: true } as const;

export const opClasses = {
  ...rowsFor(unaryOps, () => elementwise),
  ...rowsFor(binaryOps, () => elementwise),
  // 0/1 masks
  ...rowsFor(compareOps, () => ({ ...elementwise, finite: true })),
  where: elementwise,
  cast: { ...elementwise, finite: (n: NodeOf<"cast">) => n.inputs[0]!.dtype === "i32" },
  stop_gradient: elementwise,
  broadcast: view,
  reshape: view,
  transpose: view,
  slice: view,
  concat: view,
  gather: { kind: "indexed", recomputable: false, finite: false },
  one_hot: { kind: "indexed", recomputable: true, finite: true },
  sum: loop,
  max: loop,
  mean: loop,
  argmax: loop,
  matmul: loop,
  scatter_add: loop,
  conv2d: loop,
  conv2d_input_grad: loop,
  conv2d_filter_grad: loop,
  max_pool2d: loop,
  avg_pool2d: loop,
  max_pool2d_grad: loop,
  avg_pool2d_grad: loop,
  const: {
    kind: "generator",
    recomputable: true,
    finite: (n: NodeOf<"const">) => Number.isFinite(n.attrs.value),
  },
  iota: { kind: "generator", recomputable: true, finite: false },
  random_uniform: random,
  random_normal: random,
  input: leaf,
  param: leaf,
  state: leaf,
} as const satisfies { readonly [P in Op]: OpClass<P> };

/** The ops of one kind, as a type: `OpOfKind<"loop">` is the loop ops. */
export type OpOfKind<K extends OpKind> = {
  [P in Op]: (typeof opClasses)[P]["kind"] extends K ? P : never;
}[Op];

/** The loop ops (reductions, products, convolutions, pooling, `argmax`, `scatter_add`). */
export type LoopOp = OpOfKind<"loop">;

/** The class row of `op`. */
export function classOf(op: Op): OpClass {
  return opClasses[op] as OpClass;
}

/** How `op` computes its elements. */
export const kindOf = (op: Op): OpKind => opClasses[op].kind;

/** A reduction (`sum`, `mean`, `max`): a loop folding whole axes of its one operand. */
export function isReduction(n: Node): n is NodeOf<ReduceOp> {
  return (reduceOps as readonly Op[]).includes(n.op);
}

/** A node of a leaf op: an input, parameter or state, named and read from memory. */
export type LeafNode = { [O in OpOfKind<"leaf">]: NodeOf<O> }[OpOfKind<"leaf">];

export function isLeaf(n: Node): n is LeafNode {
  return kindOf(n.op) === "leaf";
}
