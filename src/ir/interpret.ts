/**
 * @file The reference interpreter: runs any graph on typed arrays, one rule per op. It is the
 * oracle every GPU kernel is tested against, so each rule is written for clarity.
 * Precision "f32" stores every f32 value in a Float32Array (rounded after each op, accumulating
 * in float64 inside matmul, conv and reductions); "f64" uses Float64Array throughout.
 */
import { InternalError } from "../diag/diagnostic.js";
import type { Graph, Node, NodeOf } from "./node.js";
import { sizeOf } from "./node.js";
import { geometryOf } from "./conv-geometry.js";
import {
  binaryOps,
  compareOps,
  rowsFor,
  unaryOps,
  type BinaryOp,
  type CompareOp,
  type Op,
  type ReduceOp,
  type UnaryOp,
} from "../ops/ops.js";
import {
  argmaxInto,
  argmaxOf,
  concatInto,
  forEachConvTap,
  forEachPoolWindow,
  gatherInto,
  matmulInto,
  scatterAddInto,
} from "./kernels.js";
import { normalAt, uniformAt } from "./random.js";
import { binaryFns, compareFns, intBinaryFns, unaryFns } from "../ops/elementwise.js";
import {
  allocData,
  broadcastOffsets,
  makeTensor,
  reduceOffsets,
  sliceOffsets,
  transposeOffsets,
  type Precision,
  type Tensor,
  type TensorData,
} from "./tensor.js";

/** Values for the graph's inputs and params, by name: a tensor or its row-major elements. */
export type Bindings = Readonly<Record<string, Tensor | ArrayLike<number>>>;

export interface InterpretOptions {
  readonly precision?: Precision;
  /** The nodes whose values to return; default the graph's outputs. */
  readonly nodes?: readonly Node[];
}

interface Context {
  readonly precision: Precision;
  readonly bindings: Bindings;
  /** A zeroed output buffer for `node`. */
  alloc(node: Node): TensorData;
}

type InterpretRule<O extends Op> = (
  node: NodeOf<O>,
  args: readonly Tensor[],
  ctx: Context,
) => TensorData;

function unaryRule(op: UnaryOp): InterpretRule<UnaryOp> {
  const f = unaryFns[op];
  return (node, [x], ctx) => {
    const out = ctx.alloc(node);
    for (let i = 0; i < out.length; i++) out[i] = f(x!.data[i]!);
    return out;
  };
}

function binaryRule(
  f: (a: number, b: number) => number,
  op?: BinaryOp,
): InterpretRule<BinaryOp | CompareOp> {
  return (node, [a, b], ctx) => {
    const g = node.dtype === "i32" && op ? (intBinaryFns[op] ?? f) : f;
    const out = ctx.alloc(node);
    const ia = broadcastOffsets(a!.shape, node.shape);
    const ib = broadcastOffsets(b!.shape, node.shape);
    for (let i = 0; i < out.length; i++) out[i] = g(a!.data[ia[i]!]!, b!.data[ib[i]!]!);
    return out;
  };
}

/** Copies `x` through an index map: out[i] = x[offsets[i]]. */
function gatherOffsets(out: TensorData, x: TensorData, offsets: Int32Array): TensorData {
  for (let i = 0; i < out.length; i++) out[i] = x[offsets[i]!]!;
  return out;
}

function reduceRule(kind: ReduceOp): InterpretRule<ReduceOp> {
  return (node, [x], ctx) => {
    const { axes } = node.attrs;
    const target = reduceOffsets(x!.shape, axes);
    const acc = new Float64Array(sizeOf(node.shape)).fill(kind === "max" ? -Infinity : 0);
    for (let i = 0; i < target.length; i++) {
      const v = x!.data[i]!;
      const t = target[i]!;
      acc[t] = kind === "max" ? (v > acc[t]! || Number.isNaN(v) ? v : acc[t]!) : acc[t]! + v;
    }
    const count = sizeOf(axes.map((a) => x!.shape[a]!));
    const out = ctx.alloc(node);
    for (let i = 0; i < out.length; i++) out[i] = kind === "mean" ? acc[i]! / count : acc[i]!;
    return out;
  };
}

function randomRule(
  draw: (seed: number, stream: number, i: number, counter: number) => number,
): InterpretRule<"random_uniform" | "random_normal"> {
  return (node, args, ctx) => {
    const out = ctx.alloc(node);
    const { seed, stream } = node.attrs;
    const counter = args[0] ? args[0].data[0]! : 0;
    for (let i = 0; i < out.length; i++) out[i] = draw(seed, stream, i, counter);
    return out;
  };
}

function leafRule(
  node: NodeOf<"input"> | NodeOf<"param"> | NodeOf<"state">,
  _args: readonly Tensor[],
  ctx: Context,
): TensorData {
  const { name } = node.attrs;
  const value = ctx.bindings[name];
  if (value === undefined) throw new RangeError(`no value bound for ${node.op} ${name}`);
  const values = "data" in value ? value.data : value;
  return makeTensor(node.shape, node.dtype, values, ctx.precision).data;
}

const elementwiseRules = {
  ...rowsFor(unaryOps, unaryRule),
  ...rowsFor(binaryOps, (op) => binaryRule(binaryFns[op], op)),
  ...rowsFor(compareOps, (op) => binaryRule(compareFns[op])),
};

const structuralRules: {
  [P in Exclude<Op, UnaryOp | BinaryOp | CompareOp>]: InterpretRule<P>;
} = {
  where: (node, [c, a, b], ctx) => {
    const out = ctx.alloc(node);
    const [ic, ia, ib] = [c!, a!, b!].map((t) => broadcastOffsets(t.shape, node.shape));
    for (let i = 0; i < out.length; i++) {
      out[i] = c!.data[ic![i]!] !== 0 ? a!.data[ia![i]!]! : b!.data[ib![i]!]!;
    }
    return out;
  },
  broadcast: (node, [x], ctx) =>
    gatherOffsets(ctx.alloc(node), x!.data, broadcastOffsets(x!.shape, node.shape)),
  sum: reduceRule("sum"),
  max: reduceRule("max"),
  mean: reduceRule("mean"),
  argmax: (node, [x], ctx) => {
    const out = ctx.alloc(node);
    argmaxInto(out, x!.data, x!.shape, node.attrs.axis);
    return out;
  },
  matmul: (node, [a, b], ctx) => {
    const out = ctx.alloc(node);
    matmulInto(out, node.shape, a!.data, a!.shape, b!.data, b!.shape);
    return out;
  },
  reshape: (node, [x], ctx) => {
    const out = ctx.alloc(node);
    out.set(x!.data);
    return out;
  },
  transpose: (node, [x], ctx) =>
    gatherOffsets(ctx.alloc(node), x!.data, transposeOffsets(x!.shape, node.attrs.perm)),
  slice: (node, [x], ctx) => {
    const { axis, start, end } = node.attrs;
    return gatherOffsets(ctx.alloc(node), x!.data, sliceOffsets(x!.shape, axis, start, end));
  },
  concat: (node, args, ctx) => {
    const out = ctx.alloc(node);
    concatInto(out, args, node.attrs.axis);
    return out;
  },
  gather: (node, [table, ids], ctx) => {
    const out = ctx.alloc(node);
    gatherInto(out, table!.data, table!.shape, ids!.data);
    return out;
  },
  scatter_add: (node, [ids, updates], ctx) => {
    const out = ctx.alloc(node);
    scatterAddInto(out, node.attrs.rows, ids!.data, updates!.data);
    return out;
  },
  // An id outside [0, depth) gives an all-zero row.
  one_hot: (node, [ids], ctx) => {
    const out = ctx.alloc(node);
    const depth = node.attrs.depth;
    ids!.data.forEach((id, i) => {
      if (id >= 0 && id < depth) out[i * depth + id] = 1;
    });
    return out;
  },
  conv2d: (node, [x, w], ctx) => {
    const acc = new Float64Array(sizeOf(node.shape));
    const [xd, wd] = [x!.data, w!.data];
    forEachConvTap(geometryOf(node), (xi, wi, yi) => {
      acc[yi]! += xd[xi]! * wd[wi]!;
    });
    return rounded(acc, node, ctx);
  },
  conv2d_input_grad: (node, [dy, w], ctx) => {
    const acc = new Float64Array(sizeOf(node.shape));
    const [dyd, wd] = [dy!.data, w!.data];
    forEachConvTap(geometryOf(node), (xi, wi, yi) => {
      acc[xi]! += dyd[yi]! * wd[wi]!;
    });
    return rounded(acc, node, ctx);
  },
  conv2d_filter_grad: (node, [x, dy], ctx) => {
    const acc = new Float64Array(sizeOf(node.shape));
    const [xd, dyd] = [x!.data, dy!.data];
    forEachConvTap(geometryOf(node), (xi, wi, yi) => {
      acc[wi]! += dyd[yi]! * xd[xi]!;
    });
    return rounded(acc, node, ctx);
  },
  max_pool2d: (node, [x], ctx) => {
    const out = ctx.alloc(node);
    forEachPoolWindow(x!.shape, node.shape, node.attrs, (yi, window) => {
      out[yi] = x!.data[argmaxOf(x!.data, window)]!;
    });
    return out;
  },
  avg_pool2d: (node, [x], ctx) => {
    const out = ctx.alloc(node);
    forEachPoolWindow(x!.shape, node.shape, node.attrs, (yi, window) => {
      out[yi] = window.reduce((s, i) => s + x!.data[i]!, 0) / window.length;
    });
    return out;
  },
  max_pool2d_grad: (node, [x, dy], ctx) => {
    const acc = new Float64Array(sizeOf(node.shape));
    forEachPoolWindow(x!.shape, dy!.shape, node.attrs, (yi, window) => {
      acc[argmaxOf(x!.data, window)]! += dy!.data[yi]!;
    });
    return rounded(acc, node, ctx);
  },
  avg_pool2d_grad: (node, [dy], ctx) => {
    const acc = new Float64Array(sizeOf(node.shape));
    forEachPoolWindow(node.shape, dy!.shape, node.attrs, (yi, window) => {
      for (const i of window) acc[i]! += dy!.data[yi]! / window.length;
    });
    return rounded(acc, node, ctx);
  },
  // f32 -> i32 truncates toward zero (NaN becomes 0), like WGSL's i32(x) within range.
  cast: (node, [x], ctx) => {
    const out = ctx.alloc(node);
    const convert = node.dtype === "i32" ? Math.trunc : (v: number) => v;
    for (let i = 0; i < out.length; i++) out[i] = convert(x!.data[i]!);
    return out;
  },
  const: (node, _args, ctx) => ctx.alloc(node).fill(node.attrs.value),
  iota: (node, _args, ctx) => ctx.alloc(node).map((_, i) => i),
  stop_gradient: (node, [x], ctx) => {
    const out = ctx.alloc(node);
    out.set(x!.data);
    return out;
  },
  random_uniform: randomRule(uniformAt),
  random_normal: randomRule(normalAt),
  input: leafRule,
  param: leafRule,
  state: leafRule,
};

function rounded(acc: Float64Array, node: Node, ctx: Context): TensorData {
  const out = ctx.alloc(node);
  out.set(acc);
  return out;
}

export const interpretRules: { readonly [P in Op]: InterpretRule<P> } = {
  ...elementwiseRules,
  ...structuralRules,
};

/** The nodes `targets` depend on, in topological order. */
function needed(targets: readonly Node[]): Node[] {
  const seen = new Set<Node>();
  const stack = [...targets];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs);
  }
  return [...seen].sort((a, b) => a.id - b.id);
}

/**
 * Runs `graph` and returns the values of the requested nodes (default: its outputs). Only the
 * nodes they depend on are evaluated, so unbound leaves elsewhere in the graph are fine.
 */
export function interpret(
  graph: Graph,
  bindings: Bindings,
  options: InterpretOptions = {},
): Map<Node, Tensor> {
  const precision = options.precision ?? "f32";
  const targets = options.nodes ?? [...graph.outputs.values()];
  const ctx: Context = {
    precision,
    bindings,
    alloc: (node) => allocData(sizeOf(node.shape), node.dtype, precision),
  };
  const values = new Map<Node, Tensor>();
  for (const node of needed(targets)) {
    const args = node.inputs.map((i) => values.get(i)!);
    const rule = interpretRules[node.op] as InterpretRule<Op>;
    const data = rule(node, args, ctx);
    if (data.length !== sizeOf(node.shape))
      throw new InternalError(`interpreting %${node.id} gave the wrong size`);
    values.set(node, { shape: node.shape, dtype: node.dtype, data });
  }
  return new Map(targets.map((t) => [t, values.get(t)!]));
}

/** Runs `graph` and returns its named outputs. */
export function interpretOutputs(
  graph: Graph,
  bindings: Bindings,
  precision: Precision = "f32",
): Map<string, Tensor> {
  const values = interpret(graph, bindings, { precision });
  return new Map([...graph.outputs].map(([name, node]) => [name, values.get(node)!]));
}
