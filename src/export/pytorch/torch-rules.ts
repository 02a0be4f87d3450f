/**
 * @file One PyTorch lowering per primitive of the checker's trace (`torchRules`, a row for each
 * `TraceOp`, so a new primitive is a compile error until it has one): how the primitive reads as a
 * Python expression over its rendered operands. Operands are `Expr`s: text, whether it needs
 * parentheses inside an operator, whether it is a Python number rather than a tensor (constants
 * are written as literals), and for comparisons the boolean form `where` uses directly. Each rule
 * gets its own op's trace node (`TraceNodeOf<P>`), so it reads typed attributes. A node whose op
 * is no trace op (`hasTorchRule` says no) is refused with its `.grove` location (G0804).
 */
import { InternalError } from "../../diag/diagnostic.js";
import type { ReduceOp } from "../../ops/ops.js";
import type { Dim } from "../../parser/check/dims.js";
import type { TraceNodeOf, TraceOp } from "../../parser/check/values.js";
import { pyNumber } from "./python-text.js";

export interface Expr {
  readonly text: string;
  /** An operator expression: wrapped in parentheses when it is an operand. */
  readonly compound?: boolean;
  /** A Python number, not a tensor. */
  readonly scalar?: boolean;
  /** For a comparison: the bool tensor, before `.float()`. */
  readonly bool?: string;
}

/** What a rule may ask of the function it is written into. */
export interface RuleContext {
  /** A device expression (`x.device`) for tensors the rule makes. */
  readonly device: () => string;
  /** `self.training` in a module, `training` in the objective. */
  readonly training: string;
  /** A dimension as an integer expression in this function's symbols. */
  readonly dim: (d: Dim) => string;
}

/** How a node of op `P` (of any op, by default) reads in PyTorch. */
export type TorchRule<P extends TraceOp = TraceOp> = (
  n: TraceNodeOf<P>,
  args: readonly Expr[],
  cx: RuleContext,
) => Expr;

const atom = (text: string): Expr => ({ text });
const op = (text: string): Expr => ({ text, compound: true });
/** An operand inside an operator or before `.method()`. */
const paren = (e: Expr) => (e.compound ? `(${e.text})` : e.text);
const torchDtype = (d: string) => (d === "i32" ? "torch.int32" : "torch.float32");
/** A tensor from an operand that may be a Python number (a 0-d tensor of the node's dtype). */
const tensor = (e: Expr, dtype: string): Expr =>
  e.scalar ? atom(`torch.tensor(${e.text}, dtype=${torchDtype(dtype)})`) : e;
const tuple = (xs: readonly (string | number)[]) =>
  xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(", ")})`;
const dims = (shape: readonly Dim[], cx: RuleContext) => shape.map((d) => cx.dim(d));

const fn =
  (name: string): TorchRule =>
  (n, [x]) =>
    atom(`${name}(${tensor(x!, n.dtype).text})`);

const binary =
  (symbol: string): TorchRule =>
  (n, [a, b]) => {
    const left = a!.scalar && b!.scalar ? tensor(a!, n.dtype) : a!;
    return op(`${paren(left)} ${symbol} ${paren(b!)}`);
  };

const call2 =
  (name: string): TorchRule =>
  (n, [a, b]) =>
    atom(`${name}(${tensor(a!, n.dtype).text}, ${tensor(b!, n.dtype).text})`);

const compare =
  (symbol: string): TorchRule =>
  (n, [a, b]) => {
    const left = a!.scalar && b!.scalar ? tensor(a!, "f32") : a!;
    const bool = `${paren(left)} ${symbol} ${paren(b!)}`;
    return { text: `(${bool}).${n.dtype === "i32" ? "int" : "float"}()`, bool };
  };

const reduce =
  (
    method: (x: string, axes: string, keep: string, n: TraceNodeOf<ReduceOp>) => string,
  ): TorchRule<ReduceOp> =>
  (n, [x]) => {
    const { axes, keepdims } = n.attrs;
    if (axes.length === 0) return x!;
    const keep = keepdims ? ", keepdim=True" : "";
    return atom(method(paren(tensor(x!, n.dtype)), tuple(axes), keep, n));
  };

/** A leaf the writer names rather than computes. */
const named =
  (what: string): TorchRule =>
  () => {
    throw new InternalError(`${what} is named by the writer, not lowered`);
  };

/** The PyTorch lowering of each trace primitive. */
export const torchRules: { readonly [P in TraceOp]: TorchRule<P> } = {
  neg: (n, [x]) => op(`-${paren(tensor(x!, n.dtype))}`),
  exp: fn("torch.exp"),
  log: fn("torch.log"),
  sqrt: fn("torch.sqrt"),
  rsqrt: fn("torch.rsqrt"),
  tanh: fn("torch.tanh"),
  sigmoid: fn("torch.sigmoid"),
  relu: fn("torch.relu"),
  abs: fn("torch.abs"),
  sign: fn("torch.sign"),
  sin: fn("torch.sin"),
  cos: fn("torch.cos"),
  erf: fn("torch.erf"),
  add: binary("+"),
  sub: binary("-"),
  mul: binary("*"),
  div: binary("/"),
  pow: binary("**"),
  maximum: call2("torch.maximum"),
  minimum: call2("torch.minimum"),
  less: compare("<"),
  less_equal: compare("<="),
  greater: compare(">"),
  greater_equal: compare(">="),
  equal: compare("=="),
  not_equal: compare("!="),
  // i32 sums stay i32 (PyTorch would widen them to int64)
  sum: reduce((x, axes, keep, n) =>
    n.dtype === "i32"
      ? `${x}.sum(dim=${axes}${keep}, dtype=torch.int32)`
      : `${x}.sum(dim=${axes}${keep})`,
  ),
  mean: reduce((x, axes, keep) => `${x}.mean(dim=${axes}${keep})`),
  max: reduce((x, axes, keep) => `torch.amax(${x}, dim=${axes}${keep})`),
  // PyTorch's argmax returns the first maximum, as Grove's does
  argmax: (n, [x]) => atom(`torch.argmax(${x!.text}, dim=${n.attrs.axis}).int()`),
  matmul: binary("@"),
  reshape: (n, [x], cx) => atom(`${paren(x!)}.reshape(${dims(n.attrs.shape, cx).join(", ")})`),
  broadcast: (n, [x], cx) =>
    atom(`${paren(tensor(x!, n.dtype))}.expand(${dims(n.attrs.shape, cx).join(", ")})`),
  transpose: (n, [x]) => atom(`${paren(x!)}.permute(${n.attrs.perm.join(", ")})`),
  slice: (n, [x]) => {
    const { axis, start, end } = n.attrs;
    const cut = `${start}:${end}`;
    return atom(`${paren(x!)}[${[...Array<string>(axis).fill(":"), cut].join(", ")}]`);
  },
  concat: (n, xs) =>
    atom(`torch.cat([${xs.map((x) => tensor(x, n.dtype).text).join(", ")}], dim=${n.attrs.axis})`),
  // Grove refuses an id outside the table; so does PyTorch's indexing
  gather: (_n, [t, ids]) => atom(`${paren(t!)}[${paren(ids!)}.long()]`),
  // an id outside 0..depth-1 gives a row of zeros, as in Grove (F.one_hot would refuse it)
  one_hot: (n, [ids]) => atom(`grove.one_hot(${ids!.text}, ${n.attrs.depth})`),
  conv2d: (n, [x, w]) =>
    atom(`F.conv2d(${x!.text}, ${w!.text}, stride=${n.attrs.stride}, padding=${n.attrs.padding})`),
  max_pool2d: (n, [x]) =>
    atom(`F.max_pool2d(${x!.text}, ${n.attrs.size}, stride=${n.attrs.stride})`),
  avg_pool2d: (n, [x]) =>
    atom(`F.avg_pool2d(${x!.text}, ${n.attrs.size}, stride=${n.attrs.stride})`),
  // float to int truncates toward zero in both
  cast: (n, [x]) =>
    atom(`${paren(tensor(x!, "f32"))}.${n.attrs.dtype === "i32" ? "int" : "float"}()`),
  iota: (n, _x, cx) =>
    atom(`torch.arange(${cx.dim(n.attrs.n)}, dtype=torch.int32, device=${cx.device()})`),
  stop_gradient: (_n, [x]) => atom(`${paren(x!)}.detach()`),
  where: (n, [c, a, b], cx) => {
    if (c!.text === cx.training) return op(`${paren(a!)} if ${cx.training} else ${paren(b!)}`);
    const cond = c!.bool ?? `${paren(c!)} != 0`;
    const [x, y] = a!.scalar && b!.scalar ? [tensor(a!, n.dtype), b!] : [a!, b!];
    return atom(`torch.where(${cond}, ${x.text}, ${y.text})`);
  },
  random_uniform: (n, _x, cx) =>
    atom(`grove.uniform(${tuple(dims(n.attrs.shape, cx))}, stream=${n.id}, device=${cx.device()})`),
  random_normal: (n, _x, cx) =>
    atom(`grove.normal(${tuple(dims(n.attrs.shape, cx))}, stream=${n.id}, device=${cx.device()})`),
  const: (n, _x, cx) => {
    const v = n.attrs.value;
    return {
      text: typeof v === "number" ? pyNumber(v, n.dtype) : cx.dim(v),
      scalar: true,
      compound: typeof v === "number" ? v < 0 : v.terms.length > 1 || (v.terms[0]?.coeff ?? 0) < 0,
    };
  },
  training: (_n, _x, cx) => atom(cx.training),
  // an argument of forward / objective
  input: named("an input"),
  // module members: parameters and buffers
  param: named("a parameter"),
  state: named("a state"),
};

/**
 * Whether `op` has a PyTorch rule: false only for a name that is no trace op (a node built without
 * the types' check), which the writer refuses (G0804) rather than failing on.
 */
export function hasTorchRule(op: string): boolean {
  return Object.hasOwn(torchRules, op);
}

/** Node `n` as a Python expression over its rendered operands, by its op's rule. */
export function torchExpr<P extends TraceOp>(
  n: TraceNodeOf<P>,
  args: readonly Expr[],
  cx: RuleContext,
): Expr {
  const rule: TorchRule<P> = torchRules[n.op];
  return rule(n, args, cx);
}
