/**
 * @file How each IR op computes one element, as WGSL: a rule per op (an exhaustive table) that
 * returns an expression for the node's value at a multi-index, asking the emitter for its inputs
 * at derived indices. Views (broadcast, reshape, transpose, slice) are index arithmetic, never
 * copies; the loops (reductions, matmul, convolutions, pooling) are in loop-rules.ts.
 */
import { InternalError } from "../../diag/diagnostic.js";
import type { Node, NodeOf } from "../../ir/node.js";
import type { LoopOp } from "../../ir/op-classes.js";
import type { Op } from "../../ops/ops.js";
import {
  broadcastIndex,
  f32Literal,
  flatten,
  i32Literal,
  paren,
  unflatten,
  type Index,
  type Writer,
} from "./writer.js";
import { loopRules } from "./loop-rules.js";

/** What a rule may ask of the kernel being written. */
export interface Emitter {
  readonly w: Writer;
  /** The WGSL expression for `node` at `idx` (f32 or i32, per the node's dtype). */
  value(node: Node, idx: Index): string;
  /** Pulls a helper function from helpers.ts into the module. */
  use(helper: string): string;
}

export type Rule<O extends Op> = (e: Emitter, node: NodeOf<O>, idx: Index) => string;
type AnyRule = (e: Emitter, node: Node, idx: Index) => string;

const isF = (n: Node) => n.dtype === "f32";

function operand(e: Emitter, node: Node, input: Node, idx: Index): string {
  return e.value(input, broadcastIndex(idx, node.shape, input.shape));
}

/** A draw of element `idx`: Philox counter (index, step or 0), key (seed, stream). */
function random(e: Emitter, n: Node, idx: Index, helper: string): string {
  const { seed, stream } = n.attrs as NodeOf<"random_uniform">["attrs"];
  const step = n.inputs[0] ? `u32(${e.value(n.inputs[0], [])})` : "0u";
  return `${e.use(helper)}(u32(${flatten(idx, n.shape)}), ${step}, ${seed >>> 0}u, ${stream >>> 0}u)`;
}

function unary(f: (e: Emitter, x: string, n: Node) => string): AnyRule {
  return (e, n, idx) => f(e, operand(e, n, n.inputs[0]!, idx), n);
}

function binary(f: (a: string, b: string, n: Node, e: Emitter) => string): AnyRule {
  return (e, n, idx) => {
    const a = operand(e, n, n.inputs[0]!, idx);
    const b = operand(e, n, n.inputs[1]!, idx);
    return f(a, b, n, e);
  };
}

function compare(op: string): AnyRule {
  return binary((a, b) => `select(0.0, 1.0, ${paren(a)} ${op} ${paren(b)})`);
}

const zero = (n: Node) => (isF(n) ? "0.0" : "0");

const elementRules: { readonly [P in Exclude<Op, LoopOp>]: Rule<P> } = {
  // ------------------------------------------------------------ leaves and constants
  input: () => {
    throw new InternalError("an input is always read from its buffer");
  },
  param: () => {
    throw new InternalError("a parameter is always read from its buffer");
  },
  state: () => {
    throw new InternalError("a state is always read from its buffer");
  },
  const: (_e, n) => (isF(n) ? f32Literal(n.attrs.value) : i32Literal(n.attrs.value)),
  iota: (_e, _n, idx) => idx[0]!,
  random_uniform: (e, n, idx) => random(e, n, idx, "g_uniform"),
  random_normal: (e, n, idx) => random(e, n, idx, "g_normal"),

  // ------------------------------------------------------------ elementwise
  neg: unary((_e, x) => `-${paren(x)}`),
  exp: unary((_e, x) => `exp(${x})`),
  log: unary((_e, x) => `log(${x})`),
  sqrt: unary((_e, x) => `sqrt(${x})`),
  rsqrt: unary((_e, x) => `inverseSqrt(${x})`),
  tanh: unary((e, x) => `${e.use("g_tanh")}(${x})`),
  sigmoid: unary((e, x) => `${e.use("g_sigmoid")}(${x})`),
  relu: unary((_e, x, n) => `max(${x}, ${zero(n)})`),
  abs: unary((_e, x) => `abs(${x})`),
  sign: unary((_e, x) => `sign(${x})`),
  sin: unary((_e, x) => `sin(${x})`),
  cos: unary((_e, x) => `cos(${x})`),
  erf: unary((e, x) => `${e.use("g_erf")}(${x})`),
  add: binary((a, b) => `${paren(a)} + ${paren(b)}`),
  sub: binary((a, b) => `${paren(a)} - ${paren(b)}`),
  mul: binary((a, b) => `${paren(a)} * ${paren(b)}`),
  div: binary((a, b) => `${paren(a)} / ${paren(b)}`),
  pow: binary((a, b, _n, e) => `${e.use("g_pow")}(${a}, ${b})`),
  maximum: binary((a, b) => `max(${a}, ${b})`),
  minimum: binary((a, b) => `min(${a}, ${b})`),
  less: compare("<"),
  less_equal: compare("<="),
  greater: compare(">"),
  greater_equal: compare(">="),
  equal: compare("=="),
  not_equal: compare("!="),
  where: (e, n, idx) => {
    const [c, a, b] = n.inputs.map((i) => operand(e, n, i, idx)) as [string, string, string];
    return `select(${b}, ${a}, ${paren(c)} != ${zero(n.inputs[0]!)})`;
  },
  cast: (e, n, idx) => {
    const x = operand(e, n, n.inputs[0]!, idx);
    return n.attrs.to === "i32" ? `i32(${x})` : `f32(${x})`;
  },
  stop_gradient: (e, n, idx) => e.value(n.inputs[0]!, idx),

  // ------------------------------------------------------------ views
  broadcast: (e, n, idx) => operand(e, n, n.inputs[0]!, idx),
  reshape: (e, n, idx) => {
    const x = n.inputs[0]!;
    const flat = e.w.bind(flatten(idx, n.shape), "f");
    return e.value(x, unflatten(flat, x.shape));
  },
  transpose: (e, n, idx) => {
    const inIdx = new Array<string>(idx.length);
    n.attrs.perm.forEach((p, i) => (inIdx[p] = idx[i]!));
    return e.value(n.inputs[0]!, inIdx);
  },
  slice: (e, n, idx) => {
    const inIdx = [...idx];
    inIdx[n.attrs.axis] =
      n.attrs.start === 0 ? idx[n.attrs.axis]! : `${paren(idx[n.attrs.axis]!)} + ${n.attrs.start}`;
    return e.value(n.inputs[0]!, inIdx);
  },
  concat: (e, n, idx) => {
    const axis = n.attrs.axis;
    const i = e.w.bind(idx[axis]!, "c");
    let start = 0;
    const parts = n.inputs.map((x) => {
      const inIdx = [...idx];
      const len = x.shape[axis]!;
      inIdx[axis] = `clamp(${i} - ${start}, 0, ${len - 1})`;
      const part = { v: e.value(x, inIdx), end: start + len };
      start += len;
      return part;
    });
    // Each select is bound to a name: nested, a concat of 128 parts or more exceeded the WGSL
    // parser's nesting limit (Tint: "maximum parser recursive depth reached").
    return parts
      .slice(0, -1)
      .reduceRight(
        (acc, p) => e.w.bind(`select(${acc}, ${p.v}, ${i} < ${p.end})`, "c"),
        parts[parts.length - 1]!.v,
      );
  },
  gather: (e, n, idx) => {
    const [table, ids] = n.inputs as [Node, Node];
    const rank = ids.shape.length;
    const id = e.w.bind(
      `clamp(${e.value(ids, idx.slice(0, rank))}, 0, ${table.shape[0]! - 1})`,
      "id",
    );
    return e.value(table, [id, ...idx.slice(rank)]);
  },
  one_hot: (e, n, idx) => {
    const ids = n.inputs[0]!;
    const id = e.value(ids, idx.slice(0, ids.shape.length));
    return `select(0.0, 1.0, ${paren(id)} == ${idx[idx.length - 1]})`;
  },
};

/** How each IR op computes one element: the elementwise and view rules and the loops. */
export const wgslRules: { readonly [P in Op]: Rule<P> } = { ...elementRules, ...loopRules };
