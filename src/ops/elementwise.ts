/**
 * @file The elementwise primitives, below every other layer: their names (the IR's op names and
 * the checker's builtin names) and what each means on one number, in float64. The checker folds
 * constants, the IR folds constants and the reference interpreter computes with these same
 * functions, so the three can never disagree.
 */

export const unaryOps = [
  "neg",
  "exp",
  "log",
  "sqrt",
  "rsqrt",
  "tanh",
  "sigmoid",
  "relu",
  "abs",
  "sign",
  "sin",
  "cos",
  "erf",
] as const;
export type UnaryOp = (typeof unaryOps)[number];

/** Elementwise with numpy broadcasting. */
export const binaryOps = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"] as const;
export type BinaryOp = (typeof binaryOps)[number];

/** Elementwise comparisons with broadcasting; the result is f32 1.0 (true) or 0.0 (false). */
export const compareOps = [
  "less",
  "less_equal",
  "greater",
  "greater_equal",
  "equal",
  "not_equal",
] as const;
export type CompareOp = (typeof compareOps)[number];

/** The elementwise ops that also take i32 tensors; every other arithmetic op is f32 only. */
export const intUnaryOps: ReadonlySet<string> = new Set<UnaryOp>(["neg", "abs", "sign"]);
export const intBinaryOps: ReadonlySet<string> = new Set<BinaryOp>([
  "add",
  "sub",
  "mul",
  "maximum",
  "minimum",
]);

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * The error function to full double precision, from the everywhere-convergent series
 *   erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1 * 3 * ... * (2n+1))
 * whose terms are all positive (no cancellation). Beyond |x| = 6, erf is +-1 in float64.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 500 && term > sum * 1e-17; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * Math.min(1, TWO_OVER_SQRT_PI * Math.exp(-x2) * sum);
}

export const unaryFns: { readonly [P in UnaryOp]: (x: number) => number } = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => Math.max(x, 0),
  abs: Math.abs,
  sign: Math.sign,
  sin: Math.sin,
  cos: Math.cos,
  erf,
};

export const binaryFns: {
  readonly [P in BinaryOp]: (a: number, b: number) => number;
} = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
};

/** i32 overrides: the product of two int32 can exceed 2^53, so it wraps through Math.imul. */
export const intBinaryFns: Partial<Record<BinaryOp, (a: number, b: number) => number>> = {
  mul: Math.imul,
};

/** Comparisons give 1 or 0; any comparison with NaN is false except not_equal. */
export const compareFns: {
  readonly [P in CompareOp]: (a: number, b: number) => number;
} = {
  less: (a, b) => (a < b ? 1 : 0),
  less_equal: (a, b) => (a <= b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greater_equal: (a, b) => (a >= b ? 1 : 0),
  equal: (a, b) => (a === b ? 1 : 0),
  not_equal: (a, b) => (a !== b ? 1 : 0),
};
