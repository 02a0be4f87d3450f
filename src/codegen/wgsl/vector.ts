/**
 * @file The vectorised elementwise template's op rules: how each elementwise op computes four
 * consecutive elements at once as `vec4<f32>` math, and which groups the template can take (every
 * value it computes is f32, and every operand is either four consecutive elements of its own or
 * one value broadcast to all four, a "splat").
 */
import type { Node } from "../../ir/node.js";
import type { Op } from "../../ops/ops.js";
import type { Emitter } from "./rules.js";

/** One op over `vec4<f32>` operand names, returning a `vec4<f32>` expression. */
type VectorRule = (e: Emitter, x: readonly string[]) => string;

const v4 = (s: string) => `vec4<f32>(${s})`;

/** A helper with no vector form, applied to each component (its operands are names). */
function each(helper: string): VectorRule {
  return (e, xs) =>
    v4(
      ["x", "y", "z", "w"]
        .map((c) => `${e.use(helper)}(${xs.map((x) => `${x}.${c}`).join(", ")})`)
        .join(", "),
    );
}

function compare(op: string): VectorRule {
  return (_e, [a, b]) => `select(${v4("0.0")}, ${v4("1.0")}, ${a} ${op} ${b})`;
}

/**
 * How each op computes four elements as a vector; `undefined` rows have no vector form, and an op
 * without one in a vector position rules the template out.
 */
export const vectorRules: { readonly [P in Op]: VectorRule | undefined } = {
  neg: (_e, [x]) => `-${x}`,
  exp: (_e, [x]) => `exp(${x})`,
  log: (_e, [x]) => `log(${x})`,
  sqrt: (_e, [x]) => `sqrt(${x})`,
  rsqrt: (_e, [x]) => `inverseSqrt(${x})`,
  abs: (_e, [x]) => `abs(${x})`,
  sign: (_e, [x]) => `sign(${x})`,
  sin: (_e, [x]) => `sin(${x})`,
  cos: (_e, [x]) => `cos(${x})`,
  relu: (_e, [x]) => `max(${x}, ${v4("0.0")})`,
  tanh: each("g_tanh"),
  sigmoid: each("g_sigmoid"),
  erf: each("g_erf"),
  add: (_e, [a, b]) => `${a} + ${b}`,
  sub: (_e, [a, b]) => `${a} - ${b}`,
  mul: (_e, [a, b]) => `${a} * ${b}`,
  div: (_e, [a, b]) => `${a} / ${b}`,
  pow: each("g_pow"),
  maximum: (_e, [a, b]) => `max(${a}, ${b})`,
  minimum: (_e, [a, b]) => `min(${a}, ${b})`,
  less: compare("<"),
  less_equal: compare("<="),
  greater: compare(">"),
  greater_equal: compare(">="),
  equal: compare("=="),
  not_equal: compare("!="),
  where: (_e, [c, a, b]) => `select(${b}, ${a}, ${c} != ${v4("0.0")})`,
  stop_gradient: (_e, [x]) => x,
  broadcast: (_e, [x]) => x,
  // no vector form: casts (i32 values), other views and index arithmetic, loops, generators, leaves
  cast: undefined,
  reshape: undefined,
  transpose: undefined,
  slice: undefined,
  concat: undefined,
  gather: undefined,
  one_hot: undefined,
  sum: undefined,
  max: undefined,
  mean: undefined,
  argmax: undefined,
  matmul: undefined,
  scatter_add: undefined,
  conv2d: undefined,
  conv2d_input_grad: undefined,
  conv2d_filter_grad: undefined,
  max_pool2d: undefined,
  avg_pool2d: undefined,
  max_pool2d_grad: undefined,
  avg_pool2d_grad: undefined,
  const: undefined,
  iota: undefined,
  random_uniform: undefined,
  random_normal: undefined,
  input: undefined,
  param: undefined,
  state: undefined,
};

/**
 * How an operand of a vector-position node is read: as four elements of its own (`vector`), as
 * one value for all four (`splat`), or not at all by this template (undefined).
 *
 * - `inner` (the output's last axis is a multiple of 4): four consecutive elements share every
 *   index but the last, so an operand whose last axis matches is a vector and one whose last
 *   axis is 1 (or a scalar) is a splat: any broadcast along leading axes, such as a bias, works.
 * - `flat` (only the element count is a multiple of 4): the four elements may straddle rows, so
 *   operands must have the output's shape (a vector at the same flat index) or one element.
 */
export type VectorMode = "inner" | "flat";

export function operandKind(
  mode: VectorMode,
  out: readonly number[],
  input: Node,
): "vector" | "splat" | undefined {
  const size = input.shape.reduce((p, d) => p * d, 1);
  if (input.dtype !== "f32") return undefined;
  if (mode === "inner") {
    const last = input.shape[input.shape.length - 1];
    if (last === out[out.length - 1]) return "vector";
    return last === undefined || last === 1 ? "splat" : undefined;
  }
  if (input.shape.length === out.length && input.shape.every((d, i) => d === out[i]))
    return "vector";
  return size === 1 ? "splat" : undefined;
}

/**
 * The mode in which the group storing `out` (computing `inGroup` inline) can be vectorised, or
 * undefined. Loads of stored nodes at vector positions become four scalar loads.
 */
export function vectorMode(out: Node, inGroup: ReadonlySet<Node>): VectorMode | undefined {
  const total = out.shape.reduce((p, d) => p * d, 1);
  if (out.dtype !== "f32" || total % 4 !== 0 || total === 0) return undefined;
  // Every group node reached through vector operands must have a vector rule and operands the
  // mode can read (a walk with its own stack: a group's chains may be long).
  const fits = (mode: VectorMode): boolean => {
    const seen = new Set<Node>();
    const stack = [out];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n) || !inGroup.has(n)) continue;
      seen.add(n);
      if (!vectorRules[n.op] || n.dtype !== "f32") return false;
      for (const i of n.inputs) {
        const kind = operandKind(mode, out.shape, i);
        if (kind === undefined) return false;
        if (kind === "vector") stack.push(i);
      }
    }
    return true;
  };
  if (out.shape[out.shape.length - 1]! % 4 === 0 && fits("inner")) return "inner";
  return fits("flat") ? "flat" : undefined;
}
