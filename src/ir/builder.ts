/**
 * @file The interning graph builder: the only way nodes are made. Building the same op on the
 * same inputs with the same attributes returns the existing node, so common subexpressions are
 * shared for free. Also the typed helpers (`b.add(x, y)`, `b.sum(x, [1])`, ...) used by lowering,
 * autodiff and the passes.
 */
import { InternalError, type Span } from "../diag/diagnostic.js";
import { normalizeAxis, type Graph, type Node, type NodeOf } from "./node.js";
import { isLeaf, type LeafNode } from "./op-classes.js";
import {
  attrNames,
  type BinaryOp,
  type CompareOp,
  type Dtype,
  type Op,
  type OpAttrs,
  type Pair,
  type ReduceOp,
  type Shape,
  type UnaryOp,
} from "../ops/ops.js";
import { inferType } from "./shape-rules.js";

/** Formats an attribute value canonically: `-0`, `NaN` and `Infinity` are kept distinct. */
export function formatAttrValue(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(formatAttrValue).join(",")}]`;
  return String(v);
}

/** The interning key: op, input ids and attributes in `attrNames` order. */
export function internKey(op: Op, inputs: readonly Node[], attrs: object): string {
  const a = attrs as Record<string, unknown>;
  const parts = attrNames[op].map((k) => `${k}=${formatAttrValue(a[k])}`);
  return `${op}(${inputs.map((n) => n.id).join(",")}){${parts.join(",")}}`;
}

/** A node's interning key: a recomputed copy (`remat`) is keyed apart from its original. */
export function nodeKey(n: Node): string {
  return internKey(n.op, n.inputs, n.attrs) + (n.remat ? "!remat" : "");
}

/** Nodes are immutable: freeze the attributes and the arrays inside them. */
function freezeAttrs<T>(attrs: T): T {
  for (const v of Object.values(attrs as object)) if (Array.isArray(v)) Object.freeze(v);
  return Object.freeze({ ...attrs });
}

function pair(v: number | Pair): Pair {
  return typeof v === "number" ? [v, v] : v;
}

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly interned = new Map<string, Node>();
  private readonly leaves = new Map<string, Node>();
  private nextId = 0;
  /** Attached to every node made while set; see `withSpan`. */
  span: Span | undefined = undefined;

  /** A builder that continues from `graph`: its nodes are reused as they are (same ids). */
  static extend(graph: Graph): GraphBuilder {
    const b = new GraphBuilder();
    for (const n of graph.nodes) b.adopt(n);
    return b;
  }

  private adopt(n: Node): void {
    this.nodes.push(n);
    this.interned.set(nodeKey(n), n);
    if (isLeaf(n)) this.leaves.set(n.attrs.name, n);
    this.nextId = Math.max(this.nextId, n.id + 1);
  }

  /** Runs `fn` with `span` attached to the nodes it makes (undefined keeps the current one). */
  withSpan<T>(span: Span | undefined, fn: () => T): T {
    const saved = this.span;
    this.span = span ?? saved;
    try {
      return fn();
    } finally {
      this.span = saved;
    }
  }

  /** Makes (or finds) `op(inputs)`; infers and checks its shape and dtype. */
  node<O extends Op>(op: O, inputs: readonly Node[], attrs: OpAttrs[O]): NodeOf<O> {
    return this.make(op, inputs, attrs, false);
  }

  /**
   * Makes (or finds) the recomputed copy of `original` over `inputs` (the same op and
   * attributes, `remat` set): a distinct node even where `inputs` are the original's own.
   */
  recomputed(original: Node, inputs: readonly Node[]): Node {
    if (isLeaf(original)) throw new InternalError(`a leaf (${original.op}) is never recomputed`);
    const { op, attrs } = original;
    return this.withSpan(original.span, () => this.make(op, inputs, attrs as never, true) as Node);
  }

  private make<O extends Op>(
    op: O,
    inputs: readonly Node[],
    attrs: OpAttrs[O],
    remat: boolean,
  ): NodeOf<O> {
    const key = internKey(op, inputs, attrs) + (remat ? "!remat" : "");
    const found = this.interned.get(key);
    if (found) return found as NodeOf<O>;
    const { shape, dtype } = inferType(op, inputs, attrs);
    const id = this.nextId++;
    const span = this.span;
    const node = Object.freeze({
      id,
      op,
      inputs: Object.freeze([...inputs]),
      shape: Object.freeze([...shape]),
      dtype,
      attrs: freezeAttrs(attrs),
      ...(span ? { span } : {}),
      ...(remat ? { remat: true as const } : {}),
    });
    const n = node as Node;
    if (isLeaf(n)) this.registerLeaf(n);
    this.nodes.push(n);
    this.interned.set(key, n);
    return node as NodeOf<O>;
  }

  /** Named leaves: each name is one node of the graph. */
  private registerLeaf(n: LeafNode): void {
    if (this.leaves.has(n.attrs.name)) {
      throw new InternalError(`two different leaves are named ${n.attrs.name}`);
    }
    this.leaves.set(n.attrs.name, n);
  }

  /** The graph of every node built so far, with the given named outputs. */
  build(outputs: ReadonlyMap<string, Node> | Readonly<Record<string, Node>>): Graph {
    const entries = outputs instanceof Map ? [...outputs] : Object.entries(outputs);
    const ofOp = (op: Op) =>
      new Map(
        this.nodes.filter((n) => n.op === op).map((n) => [(n.attrs as { name: string }).name, n]),
      );
    return {
      nodes: [...this.nodes],
      inputs: ofOp("input"),
      params: ofOp("param"),
      state: ofOp("state"),
      outputs: new Map(entries),
    };
  }

  // ------------------------------------------------------------------ leaves and constants

  input(name: string, shape: Shape, dtype: Dtype = "f32"): Node {
    return this.node("input", [], { name, shape, dtype });
  }

  param(name: string, shape: Shape): Node {
    return this.node("param", [], { name, shape, dtype: "f32" });
  }

  /** A model's state: persistent, f32, not trained. */
  state(name: string, shape: Shape): Node {
    return this.node("state", [], { name, shape, dtype: "f32" });
  }

  /** A tensor of `shape` filled with `value`; the default shape [] broadcasts like a scalar. */
  constant(value: number, shape: Shape = [], dtype: Dtype = "f32"): Node {
    return this.node("const", [], { value, shape, dtype });
  }

  zerosLike(x: Node): Node {
    return this.constant(0, x.shape, x.dtype);
  }

  iota(n: number): Node {
    return this.node("iota", [], { n });
  }

  /** Uniform draws; `step` (a scalar i32 node) makes them differ from step to step. */
  randomUniform(shape: Shape, seed: number, stream = 0, step?: Node): Node {
    return this.node("random_uniform", step ? [step] : [], { shape, seed, stream });
  }

  /** Normal draws; `step` (a scalar i32 node) makes them differ from step to step. */
  randomNormal(shape: Shape, seed: number, stream = 0, step?: Node): Node {
    return this.node("random_normal", step ? [step] : [], { shape, seed, stream });
  }

  // ------------------------------------------------------------------ elementwise

  unary(op: UnaryOp, x: Node): Node {
    return this.node(op, [x], {});
  }

  binary(op: BinaryOp | CompareOp, a: Node, b: Node): Node {
    return this.node(op, [a, b], {});
  }

  neg = (x: Node) => this.unary("neg", x);
  exp = (x: Node) => this.unary("exp", x);
  log = (x: Node) => this.unary("log", x);
  sqrt = (x: Node) => this.unary("sqrt", x);
  rsqrt = (x: Node) => this.unary("rsqrt", x);
  tanh = (x: Node) => this.unary("tanh", x);
  sigmoid = (x: Node) => this.unary("sigmoid", x);
  relu = (x: Node) => this.unary("relu", x);
  abs = (x: Node) => this.unary("abs", x);
  sign = (x: Node) => this.unary("sign", x);
  sin = (x: Node) => this.unary("sin", x);
  cos = (x: Node) => this.unary("cos", x);
  erf = (x: Node) => this.unary("erf", x);
  add = (a: Node, b: Node) => this.binary("add", a, b);
  sub = (a: Node, b: Node) => this.binary("sub", a, b);
  mul = (a: Node, b: Node) => this.binary("mul", a, b);
  div = (a: Node, b: Node) => this.binary("div", a, b);
  pow = (a: Node, b: Node) => this.binary("pow", a, b);
  maximum = (a: Node, b: Node) => this.binary("maximum", a, b);
  minimum = (a: Node, b: Node) => this.binary("minimum", a, b);
  less = (a: Node, b: Node) => this.binary("less", a, b);
  lessEqual = (a: Node, b: Node) => this.binary("less_equal", a, b);
  greater = (a: Node, b: Node) => this.binary("greater", a, b);
  greaterEqual = (a: Node, b: Node) => this.binary("greater_equal", a, b);
  equal = (a: Node, b: Node) => this.binary("equal", a, b);
  notEqual = (a: Node, b: Node) => this.binary("not_equal", a, b);

  /** `a * scalar`: shorthand used by the gradient rules. */
  scale(a: Node, k: number): Node {
    return this.mul(a, this.constant(k));
  }

  where(cond: Node, a: Node, b: Node): Node {
    return this.node("where", [cond, a, b], {});
  }

  cast(x: Node, to: Dtype): Node {
    return this.node("cast", [x], { to });
  }

  stopGradient(x: Node): Node {
    return this.node("stop_gradient", [x], {});
  }

  // ------------------------------------------------------------------ shape and layout

  broadcast(x: Node, shape: Shape): Node {
    return this.node("broadcast", [x], { shape: [...shape] });
  }

  reshape(x: Node, shape: Shape): Node {
    return this.node("reshape", [x], { shape: [...shape] });
  }

  transpose(x: Node, perm: readonly number[]): Node {
    return this.node("transpose", [x], { perm: [...perm] });
  }

  /** Swaps the last two axes. */
  transposeLast2(x: Node): Node {
    const r = x.shape.length;
    const perm = x.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
    return this.transpose(x, perm);
  }

  slice(x: Node, axis: number, start: number, end: number): Node {
    return this.node("slice", [x], {
      axis: normalizeAxis(axis, x.shape.length),
      start,
      end,
    });
  }

  concat(xs: readonly Node[], axis: number): Node {
    const rank = xs[0]?.shape.length ?? 0;
    return this.node("concat", xs, { axis: normalizeAxis(axis, rank) });
  }

  // ------------------------------------------------------------------ reductions and contractions

  /** Reduces over `axes` (negative axes count from the end; default all). */
  reduce(op: ReduceOp, x: Node, axes?: readonly number[], keepdims = false): Node {
    const rank = x.shape.length;
    const all = axes ?? x.shape.map((_, i) => i);
    const norm = [...new Set(all.map((a) => normalizeAxis(a, rank)))].sort((p, q) => p - q);
    return this.node(op, [x], { axes: norm, keepdims });
  }

  sum = (x: Node, axes?: readonly number[], keepdims = false) =>
    this.reduce("sum", x, axes, keepdims);
  max = (x: Node, axes?: readonly number[], keepdims = false) =>
    this.reduce("max", x, axes, keepdims);
  mean = (x: Node, axes?: readonly number[], keepdims = false) =>
    this.reduce("mean", x, axes, keepdims);

  argmax(x: Node, axis: number): Node {
    return this.node("argmax", [x], {
      axis: normalizeAxis(axis, x.shape.length),
    });
  }

  matmul(a: Node, b: Node): Node {
    return this.node("matmul", [a, b], {});
  }

  gather(table: Node, ids: Node): Node {
    return this.node("gather", [table, ids], {});
  }

  scatterAdd(ids: Node, updates: Node, rows: number): Node {
    return this.node("scatter_add", [ids, updates], { rows });
  }

  oneHot(ids: Node, depth: number): Node {
    return this.node("one_hot", [ids], { depth });
  }

  conv2d(x: Node, w: Node, stride: number | Pair = 1, padding: number | Pair = 0): Node {
    return this.node("conv2d", [x, w], {
      stride: pair(stride),
      padding: pair(padding),
    });
  }

  maxPool2d(x: Node, size: number | Pair, stride?: number | Pair): Node {
    return this.node("max_pool2d", [x], {
      size: pair(size),
      stride: pair(stride ?? size),
    });
  }

  avgPool2d(x: Node, size: number | Pair, stride?: number | Pair): Node {
    return this.node("avg_pool2d", [x], {
      size: pair(size),
      stride: pair(stride ?? size),
    });
  }
}
