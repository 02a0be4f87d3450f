/**
 * @file Range rules for the numbers a program computes at compile time: dimensions and shapes
 * (G0412, G0403), symbolic dimensions that grow too complex (G0112), and numbers that become
 * tensor values (G0112). Each returns a complaint without a span, or undefined.
 */
import type { Span } from "../../diag/diagnostic.js";
import { limits } from "../limits.js";
import { dimConst, dimMul, dimToString, dimValue, type Dim } from "./dims.js";
import type { DType } from "./values.js";

export interface Complaint {
  readonly code: string;
  readonly message: string;
  readonly label: string;
  readonly notes?: readonly string[];
}

/** At most this many terms in a symbolic dimension, each of at most this degree. */
export const dimTerms = 64;
export const dimDegree = 16;
/** Tensors may have at most this many dimensions. */
export const maxRank = 32;

export function tooLarge(n: number, span: Span): Complaint & { span: Span } {
  return {
    code: "G0412",
    message: `a dimension of ${shown(n)} is too large`,
    span,
    label: `sizes are at most ${limits.dimension}`,
  };
}

/** A complaint when a symbolic dimension has a coefficient no size could have. */
export function dimRangeProblem(d: Dim): Complaint | undefined {
  const big = d.terms.find((t) => !(Math.abs(t.coeff) <= limits.dimension));
  if (!big) return undefined;
  const n = dimValue(d);
  return {
    code: "G0412",
    message:
      n === undefined
        ? `the dimension ${dimToString(d)} is too large`
        : `a dimension of ${shown(n)} is too large`,
    label: `sizes are at most ${limits.dimension}`,
  };
}

/** A complaint when `a op b` would give a symbolic dimension too complex to work with. */
export function dimProblem(op: string, a: Dim, b: Dim): Complaint | undefined {
  const product = op === "*" || op === "mul";
  const terms = product ? a.terms.length * b.terms.length : a.terms.length + b.terms.length;
  const deg = product ? degree(a) + degree(b) : Math.max(degree(a), degree(b));
  if (terms <= dimTerms && deg <= dimDegree) return undefined;
  return {
    code: "G0112",
    message: "this dimension expression is too complex",
    label: `more than ${dimTerms} terms or a degree above ${dimDegree}`,
    notes: [
      `symbolic dimensions are polynomials of at most ${dimTerms} terms, each a product of at most ${dimDegree} names`,
    ],
  };
}

function degree(d: Dim): number {
  let most = 0;
  for (const t of d.terms) most = Math.max(most, t.symbols.length);
  return most;
}

/** The product of dimensions (an element count), or a complaint when it grows too complex. */
export function productOf(dims: readonly Dim[]): Dim | Complaint {
  let acc = dimConst(1);
  for (const d of dims) {
    const problem = dimProblem("*", acc, d);
    if (problem) return problem;
    acc = dimMul(acc, d);
  }
  return acc;
}

export function isComplaint(x: Dim | Complaint): x is Complaint {
  return "code" in x;
}

/** A complaint about a shape: too many dimensions, a dimension or element count too large. */
export function shapeProblem(shape: readonly Dim[]): Complaint | undefined {
  if (shape.length > maxRank)
    return {
      code: "G0403",
      message: `a tensor of rank ${shape.length} is not supported`,
      label: `tensors have at most ${maxRank} dimensions`,
    };
  let elements = 1;
  for (const d of shape) {
    const problem = dimRangeProblem(d);
    if (problem) return problem;
    elements *= dimValue(d) ?? 1;
  }
  if (elements <= limits.elements) return undefined;
  return {
    code: "G0412",
    message: `a tensor of ${elements} elements is too large`,
    label: `tensors hold at most ${limits.elements} elements`,
  };
}

/** A complaint when `value` cannot be a tensor value of `dtype` (f32 overflows, i32 wraps). */
export function constantProblem(value: number, dtype: DType): Complaint | undefined {
  if (dtype === "i32" && !(Number.isInteger(value) && Math.abs(value + 0.5) <= 2 ** 31))
    return {
      code: "G0112",
      message: `${shown(value)} does not fit in an i32 tensor`,
      label: `i32 values lie in ${-(2 ** 31)} … ${2 ** 31 - 1}`,
    };
  if (dtype === "f32" && !(Math.abs(value) <= limits.f32Max))
    return {
      code: "G0112",
      message: `${shown(value)} does not fit in an f32 tensor`,
      label: `f32 values are finite and at most ${limits.f32Max.toPrecision(5)} in size`,
    };
  return undefined;
}

/** A number in a message: never `NaN` or `Infinity`, which read like a bug in Grove. */
export function shown(value: number): string {
  if (Number.isNaN(value)) return "a result that is not a number";
  if (!Number.isFinite(value)) return value > 0 ? "an infinite number" : "a negative infinity";
  return String(value);
}
