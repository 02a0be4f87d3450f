/**
 * @file The elementwise builtins: unary and binary arithmetic, comparisons, `where`, `cast` and
 * `stop_gradient`. Numbers fold when checking (unary ones with the op definitions' own scalar
 * functions, binary ones in fold.ts); tensors broadcast with numpy's rules. Which ops also take
 * i32 tensors is the op definitions' (src/ops) to say.
 */
import {
  binaryOps,
  compareOps,
  intBinaryOps,
  intUnaryOps,
  unaryFns,
  unaryOps,
  type BinaryOp,
  type CompareOp,
  type UnaryOp,
} from "../../../ops/elementwise.js";
import { rowsFor } from "../../../ops/ops.js";
import { dimNeg } from "../dims.js";
import { broadcastShapes, formatType, type Operand } from "../shapes.js";
import { describeKind, poison, type DType, type Tensor, type Value } from "../values.js";
import { dtypeFor, isNumber, numberOf, same } from "./args.js";
import { foldBinary, isCompareOp } from "./fold.js";
import { operatorOf } from "./operators.js";
import { req, type ArgV, type BuiltinRule, type CallInfo, type Ctx } from "./rule.js";

/** A binary op on tensors (or a tensor and a number): one dtype, shapes broadcast. */
function elementwise(
  c: Ctx,
  op: BinaryOp | CompareOp,
  args: readonly ArgV[],
  call: CallInfo,
  result?: DType,
  what = `\`${call.name}\``,
): Value {
  const dtype = dtypeFor(args);
  const tensors: Tensor[] = [];
  for (const a of args) {
    const t = c.tensorOf(a, what, dtype);
    if (!t) return poison;
    tensors.push(t);
  }
  const d = same(c, args, tensors, what);
  if (!d) return poison;
  if (d === "i32" && !isCompareOp(op) && !intBinaryOps.has(op))
    return c.report({
      code: "G0409",
      message: `${what} needs f32 tensors but got ${formatType(d, tensors[0]!.shape)}`,
      span: args[0]!.span,
      label: "this is i32",
      help: "convert with `cast(x, f32)`",
    });
  const operands: Operand[] = tensors.map((t, i) => ({
    t,
    span: args[i]!.span,
  }));
  const b = broadcastShapes(operands, what, call.span);
  if (!b.ok) return c.report(b.diagnostic);
  return c.emit(op, tensors, {}, result ?? d, b.shape, b.origins, call.span);
}

function unary(op: UnaryOp | "stop_gradient", fold: (x: number) => number): BuiltinRule {
  return {
    params: [req("x")],
    apply(c, a, call) {
      const x = a.get("x")!;
      if (op === "neg" && x.value.kind === "int")
        return { kind: "int", dim: dimNeg(x.value.dim), origin: call.span };
      const n = numberOf(x.value);
      if (n !== undefined) return { kind: "float", value: fold(n), origin: call.span };
      const t = c.tensorOf(x, `\`${call.name}\``);
      if (!t) return poison;
      if (t.dtype !== "f32" && !intUnaryOps.has(op))
        return c.report({
          code: "G0409",
          message: `\`${call.name}\` needs an f32 tensor but got ${formatType(t.dtype, t.shape)}`,
          span: x.span,
          label: "this is i32",
          help: "convert with `cast(x, f32)`",
        });
      return c.emit(op, [t], {}, t.dtype, t.shape, t.origins, call.span);
    },
  };
}

function binary(op: BinaryOp | CompareOp): BuiltinRule {
  return {
    params: [req("a"), req("b")],
    apply(c, a, call) {
      const l = a.get("a")!;
      const r = a.get("b")!;
      if (isNumber(l.value) && isNumber(r.value)) return foldBinary(c, op, l, r, call);
      const what =
        op === "pow" && call.name === "pow" ? "`pow`" : `\`${operatorOf(op) ?? call.name}\``;
      return elementwise(c, op, [l, r], call, isCompareOp(op) ? "f32" : undefined, what);
    },
  };
}

const where: BuiltinRule = {
  params: [req("cond"), req("a"), req("b")],
  apply(c, a, call) {
    const cond = a.get("cond")!;
    const n = numberOf(cond.value);
    if (n !== undefined) return n !== 0 ? a.get("a")!.value : a.get("b")!.value;
    const ct = c.tensorOf(cond, "`where`");
    if (!ct) return poison;
    const branches = [a.get("a")!, a.get("b")!];
    const dtype = dtypeFor(branches);
    const x = c.tensorOf(branches[0]!, "`where`", dtype);
    const y = c.tensorOf(branches[1]!, "`where`", dtype);
    if (!x || !y) return poison;
    const d = same(c, branches, [x, y], "`where`");
    if (!d) return poison;
    const b = broadcastShapes(
      [
        { t: ct, span: cond.span },
        { t: x, span: branches[0]!.span },
        { t: y, span: branches[1]!.span },
      ],
      "`where`",
      call.span,
    );
    if (!b.ok) return c.report(b.diagnostic);
    return c.emit("where", [ct, x, y], {}, d, b.shape, b.origins, call.span);
  },
};

const cast: BuiltinRule = {
  params: [req("x"), req("dtype")],
  apply(c, a, call) {
    const d = a.get("dtype")!;
    if (d.value.kind !== "dtype")
      return c.report({
        code: "G0206",
        message: "`cast` needs a dtype, `f32` or `i32`",
        span: d.span,
        label: `this is ${describeKind(d.value)}`,
      });
    const t = c.tensorOf(a.get("x")!, "`cast`");
    if (!t) return poison;
    if (t.dtype === d.value.dtype) return { kind: "tensor", t };
    return c.emit(
      "cast",
      [t],
      { dtype: d.value.dtype },
      d.value.dtype,
      t.shape,
      t.origins,
      call.span,
    );
  },
};

export const elementwiseBuiltins: {
  readonly [P in UnaryOp | BinaryOp | CompareOp | "stop_gradient" | "where" | "cast"]: BuiltinRule;
} = {
  // Every elementwise unary primitive, folding numbers with the IR's own scalar functions.
  ...rowsFor(unaryOps, (op) => unary(op, unaryFns[op])),
  stop_gradient: unary("stop_gradient", (x) => x),
  ...rowsFor(binaryOps, binary),
  ...rowsFor(compareOps, binary),
  where,
  cast,
};
