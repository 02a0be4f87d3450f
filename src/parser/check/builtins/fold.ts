/**
 * @file Arithmetic and comparisons of numbers known when checking (`dim // heads`, `2 * d`,
 * `n % 2`, `a < b`): exact on integer dimensions, symbolic ones included, and in float64
 * otherwise, with the scalar functions of the op definitions (src/ops) so the checker, the IR's
 * constant folding and the interpreter agree. `%` exists only here: there is no tensor remainder.
 */
import type { Span } from "../../../diag/diagnostic.js";
import {
  binaryFns,
  compareFns,
  compareOps,
  type BinaryOp,
  type CompareOp,
} from "../../../ops/elementwise.js";
import { dimAdd, dimConst, dimDiv, dimEq, dimMul, dimSub, dimToString, dimValue } from "../dims.js";
import type { Dim } from "../dims.js";
import { own } from "../own.js";
import { dimProblem, dimRangeProblem } from "../ranges.js";
import { describeKind, type Value } from "../values.js";
import { isNumber, numberOf } from "./args.js";
import { req, type ArgV, type BuiltinRule, type CallInfo, type Ctx } from "./rule.js";
import { operatorOf } from "./operators.js";

/** The ops that fold: the elementwise binary ops and comparisons, and the remainder `mod`. */
export type FoldOp = BinaryOp | CompareOp | "mod";

export const isCompareOp = (op: string): op is CompareOp =>
  (compareOps as readonly string[]).includes(op);

/** Exact integer arithmetic, symbolic dimensions included. */
const intFold: Partial<Record<FoldOp, (a: Dim, b: Dim) => Dim | undefined>> = {
  add: dimAdd,
  sub: dimSub,
  mul: dimMul,
  div: (a, b) => dimDiv(a, b),
};

/** The remainder with the sign of the divisor: a - b * floor(a / b). */
const mod = (a: number, b: number): number => a - b * Math.floor(a / b);

/** `l op r` of two numbers: an integer, a float or (comparisons) a boolean. */
export function foldBinary(c: Ctx, op: FoldOp, l: ArgV, r: ArgV, call: CallInfo): Value {
  if (l.value.kind === "int" && r.value.kind === "int") {
    const f = own(intFold, op);
    const complex = f && dimProblem(op, l.value.dim, r.value.dim);
    if (complex) return c.report({ ...complex, span: call.span });
    const d = f?.(l.value.dim, r.value.dim);
    if (d) return intValue(c, d, call.span);
    if (dimValue(l.value.dim) === undefined || dimValue(r.value.dim) === undefined) {
      if (op === "equal" || op === "not_equal") {
        const eq = dimEq(l.value.dim, r.value.dim);
        return { kind: "bool", value: op === "equal" ? eq : !eq };
      }
      return c.report({
        code: "G0411",
        message: `cannot compute \`${operatorOf(op) ?? op}\` of ${dimToString(l.value.dim)} and ${dimToString(r.value.dim)} before the data is known`,
        span: call.span,
        label: "symbolic dimensions only support exact integer arithmetic",
      });
    }
  }
  const x = numberOf(l.value)!;
  const y = numberOf(r.value)!;
  if (isCompareOp(op)) return { kind: "bool", value: compareFns[op](x, y) === 1 };
  const v = op === "mod" ? mod(x, y) : binaryFns[op](x, y);
  const whole = l.value.kind === "int" && r.value.kind === "int";
  if (whole && ((op === "pow" && y >= 0) || (op === "mod" && Number.isFinite(v))))
    return intValue(c, dimConst(v), call.span);
  return { kind: "float", value: v, origin: call.span };
}

/**
 * An integer result: beyond 2^53 a known number is no longer exact and becomes a float (which
 * every consumer range-checks); a symbolic dimension with such a coefficient is an error.
 */
function intValue(c: Ctx, d: Dim, span: Span): Value {
  const n = dimValue(d);
  if (n !== undefined)
    return Number.isSafeInteger(n)
      ? { kind: "int", dim: d, origin: span }
      : { kind: "float", value: n, origin: span };
  const range = dimRangeProblem(d);
  if (range) return c.report({ ...range, span });
  return { kind: "int", dim: d, origin: span };
}

/** `a % b`: numbers only (there is no tensor remainder), folded when checking. */
export const remainder: BuiltinRule = {
  params: [req("a"), req("b")],
  apply(c, a, call) {
    const l = a.get("a")!;
    const r = a.get("b")!;
    if (isNumber(l.value) && isNumber(r.value)) return foldBinary(c, "mod", l, r, call);
    const t = isNumber(l.value) ? r : l;
    return c.report({
      code: "G0410",
      message: `\`%\` takes numbers known when checking, such as block arguments, but this is ${describeKind(t.value)}`,
      span: t.span,
      label: `this is ${describeKind(t.value)}`,
      notes: ["`%` is the remainder of numbers (`dim % heads`); there is no tensor remainder"],
    });
  },
};
