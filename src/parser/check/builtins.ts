/**
 * @file The builtin primitives as the checker sees them: one rule per name with its parameters
 * and a shape rule that reports user mistakes and records a trace node. Numbers fold at compile
 * time. The op names recorded are the IR's primitive names.
 * Over 500 lines until issue 16 point 3 splits it by concern: scalar folding to the op
 * definitions in the bottom layer, shape rules by op family.
 */
import type { DiagnosticInit, Span } from "../../diag/diagnostic.js";
import {
  dimAdd,
  dimConst,
  dimDiv,
  dimEq,
  dimMul,
  dimNeg,
  dimSub,
  dimToString,
  dimValue,
  type Dim,
} from "./dims.js";
import { own } from "./own.js";
import { dimProblem, dimRangeProblem, isComplaint, productOf, shown } from "./ranges.js";
import { broadcastShapes, formatShape, formatType, originLabels, type Operand } from "./shapes.js";
import { scanRule } from "./scan.js";
import { describeKind, poison, type DType, type Tensor, type Value } from "./values.js";
import {
  binaryOps,
  intBinaryOps,
  intUnaryOps,
  unaryFns,
  unaryOps,
  type BinaryOp,
  type UnaryOp,
} from "../../ops/elementwise.js";

const isBinaryOp = (op: string): op is BinaryOp => (binaryOps as readonly string[]).includes(op);

export interface ArgV {
  readonly value: Value;
  readonly span: Span;
}

export interface CallInfo {
  readonly span: Span;
  readonly calleeSpan: Span;
  readonly name: string;
}

/** What a rule may ask of the evaluator. */
export interface Ctx {
  report(init: DiagnosticInit): Value;
  emit(
    op: string,
    inputs: readonly Tensor[],
    attrs: Record<string, unknown>,
    dtype: DType,
    shape: readonly Dim[],
    origins: readonly Span[],
    span: Span,
  ): Value;
  tensorOf(a: ArgV, what: string, dtype?: DType): Tensor | undefined;
  /** Calls a function, layer, stack or builtin value inline, as `callee(args)` would. */
  invoke(callee: Value, args: readonly ArgV[], span: Span, calleeSpan: Span): Value;
  /** Runs `fn` with a note and a label added to every diagnostic it raises. */
  within<T>(context: { note: string; span: Span; label: string }, fn: () => T): T;
  /** Counts `n` more steps unrolled by `scan`; reports G0412 beyond `limits.steps` in all. */
  takeSteps(n: number, span: Span): boolean;
}

type Args = ReadonlyMap<string, ArgV>;

export interface BuiltinRule {
  readonly params: readonly {
    readonly name: string;
    readonly required: boolean;
  }[];
  apply(c: Ctx, a: Args, call: CallInfo): Value;
}

const req = (name: string) => ({ name, required: true });
const opt = (name: string) => ({ name, required: false });

// ---------------------------------------------------------------- argument helpers

function numberOf(v: Value): number | undefined {
  if (v.kind === "int") return dimValue(v.dim);
  if (v.kind === "float") return v.value;
  if (v.kind === "bool") return v.value ? 1 : 0;
  return undefined;
}

function isNumber(v: Value): boolean {
  return v.kind === "int" || v.kind === "float" || v.kind === "bool";
}

/** An integer argument (a size, axis, index) within `limits.dimension` either way from 0. */
function staticDim(c: Ctx, a: ArgV, what: string): { dim: Dim; origin: Span } | undefined {
  const v = a.value;
  const dim =
    v.kind === "int"
      ? v.dim
      : v.kind === "float" && Number.isInteger(v.value)
        ? dimConst(v.value)
        : undefined;
  if (dim) {
    const range = dimRangeProblem(dim);
    if (!range) return { dim, origin: (v as { origin: Span }).origin };
    c.report({ ...range, span: a.span });
    return undefined;
  }
  const computed =
    v.kind === "float" && (v.origin.start !== a.span.start || v.origin.end !== a.span.end)
      ? [{ span: v.origin, message: `computed here as ${shown(v.value)}` }]
      : [];
  c.report({
    code: "G0410",
    message: `${what} must be an integer, but this is ${describeKind(v)}`,
    span: a.span,
    label: v.kind === "float" ? `this is ${shown(v.value)}` : "expected an integer",
    secondary: computed,
  });
  return undefined;
}

function staticInt(c: Ctx, a: ArgV, what: string): number | undefined {
  const d = staticDim(c, a, what);
  if (!d) return undefined;
  const n = dimValue(d.dim);
  if (n === undefined) {
    c.report({
      code: "G0411",
      message: `${what} must be a known number, but it is ${dimToString(d.dim)}`,
      span: a.span,
      label: "depends on the data",
    });
  }
  return n;
}

function staticBool(
  c: Ctx,
  a: ArgV | undefined,
  fallback: boolean,
  what: string,
): boolean | undefined {
  if (!a) return fallback;
  if (a.value.kind === "bool") return a.value.value;
  c.report({
    code: "G0410",
    message: `${what} must be \`true\` or \`false\``,
    span: a.span,
    label: "expected a boolean",
  });
  return undefined;
}

function listOf(a: ArgV): ArgV[] {
  if (a.value.kind === "list") {
    const spans = a.value.spans;
    return a.value.items.map((value, i) => ({
      value,
      span: spans[i] ?? a.span,
    }));
  }
  return [a];
}

function axisOf(c: Ctx, a: ArgV, rank: number, x: ArgV, t: Tensor): number | undefined {
  const n = staticInt(c, a, "an axis");
  if (n === undefined) return undefined;
  if (n < -rank || n >= rank) {
    c.report({
      code: "G0407",
      message: `axis ${n} is out of range for a tensor of rank ${rank}`,
      span: a.span,
      label: `valid axes are ${-rank} to ${rank - 1}`,
      secondary: [{ span: x.span, message: `has shape ${formatShape(t.shape)}` }],
    });
    return undefined;
  }
  return n < 0 ? n + rank : n;
}

/** Axes to reduce: all when absent; an int or a list; sorted, unique. */
function axesOf(c: Ctx, a: ArgV | undefined, x: ArgV, t: Tensor): number[] | undefined {
  const rank = t.shape.length;
  if (!a) return [...Array(rank).keys()];
  const out: number[] = [];
  for (const item of listOf(a)) {
    const n = axisOf(c, item, rank, x, t);
    if (n === undefined) return undefined;
    if (out.includes(n)) {
      c.report({
        code: "G0407",
        message: `axis ${n} is listed twice`,
        span: item.span,
        label: "repeated axis",
      });
      return undefined;
    }
    out.push(n);
  }
  return out.sort((p, q) => p - q);
}

function same(
  c: Ctx,
  ts: readonly ArgV[],
  tensors: readonly Tensor[],
  what: string,
): DType | undefined {
  const first = tensors[0]!.dtype;
  for (let i = 1; i < tensors.length; i++)
    if (tensors[i]!.dtype !== first) {
      c.report({
        code: "G0409",
        message: `${what} needs operands of one dtype, but got ${first} and ${tensors[i]!.dtype}`,
        span: ts[i]!.span,
        label: `this is ${formatType(tensors[i]!.dtype, tensors[i]!.shape)}`,
        secondary: [
          {
            span: ts[0]!.span,
            message: `this is ${formatType(first, tensors[0]!.shape)}`,
          },
        ],
        help: "convert one side with `cast(x, f32)` or `cast(x, i32)`",
      });
      return undefined;
    }
  return first;
}

/** The dtype a number takes next to these tensors: i32 only when every tensor is i32 and it is an int. */
function dtypeFor(args: readonly ArgV[]): DType {
  const tensors = args
    .filter((a) => a.value.kind === "tensor")
    .map((a) => (a.value as { t: Tensor }).t);
  const allInt = args.every((a) => a.value.kind !== "float");
  return tensors.length > 0 && tensors.every((t) => t.dtype === "i32") && allInt ? "i32" : "f32";
}

function elementwise(
  c: Ctx,
  op: string,
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
  if (d === "i32" && isBinaryOp(op) && !intBinaryOps.has(op))
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

// ---------------------------------------------------------------- rule makers

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

const intFold: Partial<Record<string, (a: Dim, b: Dim) => Dim | undefined>> = {
  add: dimAdd,
  sub: dimSub,
  mul: dimMul,
  div: (a, b) => dimDiv(a, b),
};

const numFold: Record<string, (a: number, b: number) => number | boolean> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  // The remainder with the sign of the divisor: a - b * floor(a / b).
  mod: (a, b) => a - b * Math.floor(a / b),
  pow: (a, b) => a ** b,
  maximum: Math.max,
  minimum: Math.min,
  less: (a, b) => a < b,
  less_equal: (a, b) => a <= b,
  greater: (a, b) => a > b,
  greater_equal: (a, b) => a >= b,
  equal: (a, b) => a === b,
  not_equal: (a, b) => a !== b,
};

const comparisons = new Set([
  "less",
  "less_equal",
  "greater",
  "greater_equal",
  "equal",
  "not_equal",
]);

function binary(op: string): BuiltinRule {
  return {
    params: [req("a"), req("b")],
    apply(c, a, call) {
      const l = a.get("a")!;
      const r = a.get("b")!;
      if (isNumber(l.value) && isNumber(r.value)) return foldBinary(c, op, l, r, call);
      const what =
        op === "pow" && call.name === "pow" ? "`pow`" : `\`${opSymbol[op] ?? call.name}\``;
      return elementwise(c, op, [l, r], call, comparisons.has(op) ? "f32" : undefined, what);
    },
  };
}

const opSymbol: Record<string, string> = {
  add: "+",
  sub: "-",
  mul: "*",
  div: "/",
  mod: "%",
  pow: "^",
  less: "<",
  less_equal: "<=",
  greater: ">",
  greater_equal: ">=",
  equal: "==",
  not_equal: "!=",
};

function foldBinary(c: Ctx, op: string, l: ArgV, r: ArgV, call: CallInfo): Value {
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
        message: `cannot compute \`${opSymbol[op] ?? op}\` of ${dimToString(l.value.dim)} and ${dimToString(r.value.dim)} before the data is known`,
        span: call.span,
        label: "symbolic dimensions only support exact integer arithmetic",
      });
    }
  }
  const x = numberOf(l.value)!;
  const y = numberOf(r.value)!;
  const v = numFold[op]!(x, y);
  if (typeof v === "boolean") return { kind: "bool", value: v };
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
const remainder: BuiltinRule = {
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

function reduction(op: string): BuiltinRule {
  return {
    params: [req("x"), opt("axis"), opt("keepdims")],
    apply(c, a, call) {
      const x = a.get("x")!;
      const t = c.tensorOf(x, `\`${call.name}\``);
      if (!t) return poison;
      const axes = axesOf(c, a.get("axis"), x, t);
      const keep = staticBool(c, a.get("keepdims"), false, "`keepdims`");
      if (!axes || keep === undefined) return poison;
      if (op === "mean" && t.dtype !== "f32")
        return c.report({
          code: "G0409",
          message: "`mean` needs an f32 tensor",
          span: x.span,
          label: "this is i32",
        });
      const shape: Dim[] = [];
      const origins: Span[] = [];
      t.shape.forEach((d, i) => {
        if (!axes.includes(i)) {
          shape.push(d);
          origins.push(t.origins[i]!);
        } else if (keep) {
          shape.push(dimConst(1));
          origins.push(call.span);
        }
      });
      return c.emit(op, [t], { axes, keepdims: keep }, t.dtype, shape, origins, call.span);
    },
  };
}

// ---------------------------------------------------------------- shape-changing primitives

function matmul(c: Ctx, a: Args, call: CallInfo): Value {
  const l = a.get("a")!;
  const r = a.get("b")!;
  const x = c.tensorOf(l, "`@`");
  const y = c.tensorOf(r, "`@`");
  if (!x || !y) return poison;
  for (const [t, s] of [
    [x, l],
    [y, r],
  ] as const) {
    if (t.dtype !== "f32")
      return c.report({
        code: "G0409",
        message: `matrix product needs f32 tensors, but this is ${formatType(t.dtype, t.shape)}`,
        span: s.span,
        label: "this is i32",
        help: "token ids go through `gather(table, ids)` (or an Embedding) first; other integers through `cast(x, f32)`",
      });
    if (t.shape.length < 2)
      return c.report({
        code: "G0408",
        message: `matrix product needs tensors of rank 2 or more, but this is ${formatShape(t.shape)}`,
        span: s.span,
        label: `has rank ${t.shape.length}`,
        help: "reshape a vector to a matrix first, e.g. `reshape(v, [1, n])`",
      });
  }
  const k1 = x.shape.length - 1;
  const k2 = y.shape.length - 2;
  if (!dimEq(x.shape[k1]!, y.shape[k2]!))
    return c.report({
      code: "G0401",
      message: `matrix product needs matching inner dimensions, but got ${formatShape(x.shape)} @ ${formatShape(y.shape)}`,
      span: r.span,
      label: `has shape ${formatShape(y.shape)}`,
      secondary: [
        { span: l.span, message: `has shape ${formatShape(x.shape)}` },
        ...originLabels(
          [
            { origin: x.origins[k1]!, dim: x.shape[k1]! },
            { origin: y.origins[k2]!, dim: y.shape[k2]! },
          ],
          [l.span, r.span],
        ),
      ],
      notes: [
        `the last dimension on the left (${dimToString(x.shape[k1]!)}) must equal the second-to-last on the right (${dimToString(y.shape[k2]!)})`,
      ],
    });
  const batch = broadcastShapes(
    [
      {
        t: {
          ...x,
          shape: x.shape.slice(0, -2),
          origins: x.origins.slice(0, -2),
        },
        span: l.span,
      },
      {
        t: {
          ...y,
          shape: y.shape.slice(0, -2),
          origins: y.origins.slice(0, -2),
        },
        span: r.span,
      },
    ],
    "batch dimensions of `@`",
    call.span,
  );
  if (!batch.ok) return c.report(batch.diagnostic);
  const shape = [...batch.shape, x.shape[k1 - 1]!, y.shape[k2 + 1]!];
  const origins = [...batch.origins, x.origins[k1 - 1]!, y.origins[k2 + 1]!];
  return c.emit("matmul", [x, y], {}, "f32", shape, origins, call.span);
}

function dimsOf(c: Ctx, a: ArgV, what: string): { dims: Dim[]; origins: Span[] } | undefined {
  if (a.value.kind !== "list") {
    c.report({
      code: "G0410",
      message: `${what} must be a list of dimensions like \`[N, 784]\``,
      span: a.span,
      label: "expected a list",
    });
    return undefined;
  }
  const dims: Dim[] = [];
  const origins: Span[] = [];
  for (const item of listOf(a)) {
    const d = staticDim(c, item, "a dimension");
    if (!d) return undefined;
    const n = dimValue(d.dim);
    if (n !== undefined && n <= 0) {
      c.report({
        code: "G0412",
        message: `a dimension of ${n} is not allowed`,
        span: item.span,
        label: "must be positive",
      });
      return undefined;
    }
    dims.push(d.dim);
    origins.push(item.span);
  }
  return { dims, origins };
}

function reshapeTo(
  c: Ctx,
  x: ArgV,
  t: Tensor,
  dims: Dim[],
  origins: Span[],
  call: CallInfo,
): Value {
  const before = productOf(t.shape);
  const after = productOf(dims);
  if (isComplaint(before)) return c.report({ ...before, span: x.span });
  if (isComplaint(after)) return c.report({ ...after, span: call.span });
  if (!dimEq(before, after))
    return c.report({
      code: "G0406",
      message: `cannot reshape ${formatShape(t.shape)} (${dimToString(before)} elements) to ${formatShape(dims)} (${dimToString(after)} elements)`,
      span: call.span,
      label: "element counts differ",
      secondary: [{ span: x.span, message: `has shape ${formatShape(t.shape)}` }],
    });
  return c.emit("reshape", [t], { shape: dims }, t.dtype, dims, origins, call.span);
}

function conv2dShape(
  c: Ctx,
  what: string,
  x: ArgV,
  t: Tensor,
  kernel: [number, number],
  stride: number,
  padding: number,
  call: CallInfo,
): { h: number; w: number } | undefined {
  const h = dimValue(t.shape[2]!);
  const w = dimValue(t.shape[3]!);
  if (h === undefined || w === undefined) {
    c.report({
      code: "G0411",
      message: `${what} needs known image sizes, but got ${formatShape(t.shape)}`,
      span: x.span,
      label: "height and width must be numbers",
    });
    return undefined;
  }
  const oh = Math.floor((h + 2 * padding - kernel[0]) / stride) + 1;
  const ow = Math.floor((w + 2 * padding - kernel[1]) / stride) + 1;
  if (stride <= 0 || padding < 0 || oh <= 0 || ow <= 0) {
    c.report({
      code: "G0410",
      message: `${what} with a ${kernel[0]}x${kernel[1]} window, stride ${stride} and padding ${padding} does not fit ${formatShape(t.shape)}`,
      span: call.span,
      label: "no output positions",
      secondary: [{ span: x.span, message: `has shape ${formatShape(t.shape)}` }],
    });
    return undefined;
  }
  return { h: oh, w: ow };
}

function rank(c: Ctx, a: ArgV, t: Tensor, n: number, what: string, layout: string): boolean {
  if (t.shape.length === n) return true;
  c.report({
    code: "G0403",
    message: `${what} expects a rank-${n} tensor ${layout}, but got ${formatShape(t.shape)}`,
    span: a.span,
    label: `has rank ${t.shape.length}`,
  });
  return false;
}

function pool(op: string): BuiltinRule {
  return {
    params: [req("x"), req("size"), opt("stride")],
    apply(c, a, call) {
      const x = a.get("x")!;
      const t = c.tensorOf(x, `\`${call.name}\``);
      const size = staticInt(c, a.get("size")!, "the window size");
      const strideArg = a.get("stride");
      const stride = strideArg ? staticInt(c, strideArg, "the stride") : size;
      if (!t || size === undefined || stride === undefined) return poison;
      if (!rank(c, x, t, 4, `\`${call.name}\``, "[N, C, H, W]")) return poison;
      const o = conv2dShape(c, `\`${call.name}\``, x, t, [size, size], stride, 0, call);
      if (!o) return poison;
      const shape = [t.shape[0]!, t.shape[1]!, dimConst(o.h), dimConst(o.w)];
      const origins = [t.origins[0]!, t.origins[1]!, call.span, call.span];
      return c.emit(op, [t], { size, stride }, "f32", shape, origins, call.span);
    },
  };
}

function random(op: string): BuiltinRule {
  return {
    params: [req("like")],
    apply(c, a, call) {
      const t = c.tensorOf(a.get("like")!, `\`${call.name}\``);
      if (!t) return poison;
      return c.emit(op, [], { shape: t.shape }, "f32", t.shape, t.origins, call.span);
    },
  };
}

// ---------------------------------------------------------------- the table

export const builtinRules: Readonly<Record<string, BuiltinRule>> = {
  // Every elementwise unary primitive, folding numbers with the IR's own scalar functions.
  ...Object.fromEntries(unaryOps.map((op) => [op, unary(op, unaryFns[op])])),
  stop_gradient: unary("stop_gradient", (x) => x),

  add: binary("add"),
  sub: binary("sub"),
  mul: binary("mul"),
  mod: remainder,
  div: binary("div"),
  pow: binary("pow"),
  maximum: binary("maximum"),
  minimum: binary("minimum"),
  less: binary("less"),
  less_equal: binary("less_equal"),
  greater: binary("greater"),
  greater_equal: binary("greater_equal"),
  equal: binary("equal"),
  not_equal: binary("not_equal"),

  matmul: { params: [req("a"), req("b")], apply: matmul },

  where: {
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
  },

  sum: reduction("sum"),
  mean: reduction("mean"),
  max: reduction("max"),

  argmax: {
    params: [req("x"), opt("axis")],
    apply(c, a, call) {
      const x = a.get("x")!;
      const t = c.tensorOf(x, "`argmax`");
      if (!t) return poison;
      const axisArg = a.get("axis") ?? {
        value: { kind: "int", dim: dimConst(-1), origin: call.span },
        span: call.span,
      };
      const axis = axisOf(c, axisArg, t.shape.length, x, t);
      if (axis === undefined) return poison;
      const keep = t.shape.map((_, i) => i).filter((i) => i !== axis);
      return c.emit(
        "argmax",
        [t],
        { axis },
        "i32",
        keep.map((i) => t.shape[i]!),
        keep.map((i) => t.origins[i]!),
        call.span,
      );
    },
  },

  reshape: {
    params: [req("x"), req("shape")],
    apply(c, a, call) {
      const x = a.get("x")!;
      const t = c.tensorOf(x, "`reshape`");
      const target = dimsOf(c, a.get("shape")!, "the new shape");
      if (!t || !target) return poison;
      return reshapeTo(c, x, t, target.dims, target.origins, call);
    },
  },

  flatten: {
    params: [req("x")],
    apply(c, a, call) {
      const x = a.get("x")!;
      const t = c.tensorOf(x, "`flatten`");
      if (!t) return poison;
      if (t.shape.length < 1)
        return c.report({
          code: "G0403",
          message: "`flatten` needs a tensor of rank 1 or more",
          span: x.span,
          label: "this is a scalar",
        });
      const rest = productOf(t.shape.slice(1));
      if (isComplaint(rest)) return c.report({ ...rest, span: call.span });
      return reshapeTo(c, x, t, [t.shape[0]!, rest], [t.origins[0]!, call.span], call);
    },
  },

  transpose: {
    params: [req("x"), opt("perm")],
    apply(c, a, call) {
      const x = a.get("x")!;
      const t = c.tensorOf(x, "`transpose`");
      if (!t) return poison;
      const r = t.shape.length;
      let perm: number[];
      const p = a.get("perm");
      if (!p) {
        if (r < 2)
          return c.report({
            code: "G0403",
            message: `\`transpose\` without a permutation swaps the last two axes, but this is ${formatShape(t.shape)}`,
            span: x.span,
            label: `has rank ${r}`,
          });
        perm = [...Array(r).keys()];
        [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
      } else {
        const axes: number[] = [];
        for (const item of listOf(p)) {
          const n = axisOf(c, item, r, x, t);
          if (n === undefined) return poison;
          axes.push(n);
        }
        if (axes.length !== r || new Set(axes).size !== r)
          return c.report({
            code: "G0407",
            message: `\`transpose\` needs a permutation of all ${r} axes of ${formatShape(t.shape)}`,
            span: p.span,
            label: "not a permutation",
          });
        perm = axes;
      }
      return c.emit(
        "transpose",
        [t],
        { perm },
        t.dtype,
        perm.map((i) => t.shape[i]!),
        perm.map((i) => t.origins[i]!),
        call.span,
      );
    },
  },

  slice: {
    params: [req("x"), req("axis"), req("start"), req("end")],
    apply(c, a, call) {
      const x = a.get("x")!;
      const t = c.tensorOf(x, "`slice`");
      if (!t) return poison;
      const axis = axisOf(c, a.get("axis")!, t.shape.length, x, t);
      const start = staticInt(c, a.get("start")!, "the start");
      const end = staticInt(c, a.get("end")!, "the end");
      if (axis === undefined || start === undefined || end === undefined) return poison;
      const size = dimValue(t.shape[axis]!);
      if (start < 0 || end <= start || (size !== undefined && end > size))
        return c.report({
          code: "G0407",
          message: `slice ${start}..${end} is out of range for axis ${axis} of ${formatShape(t.shape)}`,
          span: call.span,
          label: "need 0 <= start < end <= size",
        });
      const shape = [...t.shape];
      const origins = [...t.origins];
      shape[axis] = dimConst(end - start);
      origins[axis] = call.span;
      return c.emit("slice", [t], { axis, start, end }, t.dtype, shape, origins, call.span);
    },
  },

  concat: {
    params: [req("xs"), opt("axis")],
    apply(c, a, call) {
      const xs = listOf(a.get("xs")!);
      const ts: Tensor[] = [];
      for (const x of xs) {
        const t = c.tensorOf(x, "`concat`");
        if (!t) return poison;
        ts.push(t);
      }
      if (ts.length === 0)
        return c.report({
          code: "G0304",
          message: "`concat` needs at least one tensor",
          span: call.span,
          label: "empty list",
        });
      const d = same(c, xs, ts, "`concat`");
      if (!d) return poison;
      const first = ts[0]!;
      const axisArg = a.get("axis") ?? {
        value: { kind: "int", dim: dimConst(-1), origin: call.span },
        span: call.span,
      };
      const axis = axisOf(c, axisArg, first.shape.length, xs[0]!, first);
      if (axis === undefined) return poison;
      let total = dimConst(0);
      for (let i = 0; i < ts.length; i++) {
        const t = ts[i]!;
        const ok =
          t.shape.length === first.shape.length &&
          t.shape.every((dd, k) => k === axis || dimEq(dd, first.shape[k]!));
        if (!ok)
          return c.report({
            code: "G0402",
            message: `\`concat\` along axis ${axis} needs equal other dimensions, but got ${formatShape(first.shape)} and ${formatShape(t.shape)}`,
            span: xs[i]!.span,
            label: `has shape ${formatShape(t.shape)}`,
            secondary: [
              {
                span: xs[0]!.span,
                message: `has shape ${formatShape(first.shape)}`,
              },
            ],
          });
        total = dimAdd(total, t.shape[axis]!);
      }
      const shape = [...first.shape];
      shape[axis] = total;
      const origins = [...first.origins];
      origins[axis] = call.span;
      return c.emit("concat", ts, { axis }, d, shape, origins, call.span);
    },
  },

  gather: {
    params: [req("table"), req("ids")],
    apply(c, a, call) {
      const tbl = a.get("table")!;
      const ids = a.get("ids")!;
      const t = c.tensorOf(tbl, "`gather`");
      const i = c.tensorOf(ids, "`gather`", "i32");
      if (!t || !i) return poison;
      if (i.dtype !== "i32")
        return c.report({
          code: "G0409",
          message: `\`gather\` needs i32 ids but got ${formatType(i.dtype, i.shape)}`,
          span: ids.span,
          label: "ids must be i32",
          help: "convert with `cast(ids, i32)`",
        });
      if (t.shape.length < 1)
        return c.report({
          code: "G0403",
          message: "`gather` needs a table of rank 1 or more",
          span: tbl.span,
          label: "this is a scalar",
        });
      return c.emit(
        "gather",
        [t, i],
        {},
        t.dtype,
        [...i.shape, ...t.shape.slice(1)],
        [...i.origins, ...t.origins.slice(1)],
        call.span,
      );
    },
  },

  one_hot: {
    params: [req("ids"), req("depth")],
    apply(c, a, call) {
      const ids = a.get("ids")!;
      const i = c.tensorOf(ids, "`one_hot`", "i32");
      const depthArg = a.get("depth")!;
      const depth = staticInt(c, depthArg, "the depth");
      if (!i || depth === undefined) return poison;
      if (depth <= 0)
        return c.report({
          code: "G0412",
          message: `\`one_hot\` needs a positive depth, but got ${depth}`,
          span: depthArg.span,
          label: "must be positive",
        });
      if (i.dtype !== "i32")
        return c.report({
          code: "G0409",
          message: `\`one_hot\` needs i32 ids but got ${formatType(i.dtype, i.shape)}`,
          span: ids.span,
          label: "ids must be i32",
        });
      const origin = depthArg.value.kind === "int" ? depthArg.value.origin : depthArg.span;
      return c.emit(
        "one_hot",
        [i],
        { depth },
        "f32",
        [...i.shape, dimConst(depth)],
        [...i.origins, origin],
        call.span,
      );
    },
  },

  conv2d: {
    params: [req("x"), req("w"), opt("stride"), opt("padding")],
    apply(c, a, call) {
      const x = a.get("x")!;
      const w = a.get("w")!;
      const xt = c.tensorOf(x, "`conv2d`");
      const wt = c.tensorOf(w, "`conv2d`");
      const stride = a.get("stride") ? staticInt(c, a.get("stride")!, "the stride") : 1;
      const padding = a.get("padding") ? staticInt(c, a.get("padding")!, "the padding") : 0;
      if (!xt || !wt || stride === undefined || padding === undefined) return poison;
      if (
        !rank(c, x, xt, 4, "`conv2d`", "[N, C, H, W]") ||
        !rank(c, w, wt, 4, "`conv2d` weight", "[O, C, KH, KW]")
      )
        return poison;
      if (!dimEq(xt.shape[1]!, wt.shape[1]!))
        return c.report({
          code: "G0404",
          message: `\`conv2d\` input has ${dimToString(xt.shape[1]!)} channels but the weight expects ${dimToString(wt.shape[1]!)}`,
          span: x.span,
          label: `has shape ${formatShape(xt.shape)}`,
          secondary: [
            { span: w.span, message: `has shape ${formatShape(wt.shape)}` },
            ...originLabels(
              [
                { origin: xt.origins[1]!, dim: xt.shape[1]! },
                { origin: wt.origins[1]!, dim: wt.shape[1]! },
              ],
              [x.span, w.span],
            ),
          ],
        });
      const k: [number, number] = [dimValue(wt.shape[2]!) ?? 0, dimValue(wt.shape[3]!) ?? 0];
      const o = conv2dShape(c, "`conv2d`", x, xt, k, stride, padding, call);
      if (!o) return poison;
      const shape = [xt.shape[0]!, wt.shape[0]!, dimConst(o.h), dimConst(o.w)];
      const origins = [xt.origins[0]!, wt.origins[0]!, call.span, call.span];
      return c.emit("conv2d", [xt, wt], { stride, padding }, "f32", shape, origins, call.span);
    },
  },

  max_pool2d: pool("max_pool2d"),
  avg_pool2d: pool("avg_pool2d"),

  cast: {
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
  },

  iota: {
    params: [req("n")],
    apply(c, a, call) {
      const n = staticDim(c, a.get("n")!, "the length");
      if (n === undefined) return poison;
      const known = dimValue(n.dim);
      if (known !== undefined && known <= 0)
        return c.report({
          code: "G0412",
          message: `\`iota\` needs a positive length, but got ${known}`,
          span: a.get("n")!.span,
          label: "must be positive",
        });
      return c.emit("iota", [], { n: n.dim }, "i32", [n.dim], [n.origin], call.span);
    },
  },

  broadcast: {
    params: [req("x"), req("shape")],
    apply(c, a, call) {
      const x = a.get("x")!;
      const t = c.tensorOf(x, "`broadcast`");
      const target = dimsOf(c, a.get("shape")!, "the target shape");
      if (!t || !target) return poison;
      const target0 = {
        dtype: t.dtype,
        node: -1,
        shape: target.dims,
        origins: target.origins,
      };
      const b = broadcastShapes(
        [
          { t, span: x.span },
          { t: target0, span: a.get("shape")!.span },
        ],
        "`broadcast`",
        call.span,
      );
      if (!b.ok) return c.report(b.diagnostic);
      if (
        b.shape.length !== target.dims.length ||
        !b.shape.every((dd, i) => dimEq(dd, target.dims[i]!))
      )
        return c.report({
          code: "G0402",
          message: `cannot broadcast ${formatShape(t.shape)} to ${formatShape(target.dims)}`,
          span: call.span,
          label: "incompatible",
        });
      return c.emit(
        "broadcast",
        [t],
        { shape: target.dims },
        t.dtype,
        target.dims,
        target.origins,
        call.span,
      );
    },
  },

  scan: scanRule,

  random_uniform: random("random_uniform"),
  random_normal: random("random_normal"),

  training: {
    params: [],
    apply(c, _a, call) {
      return c.emit("training", [], {}, "f32", [], [], call.span);
    },
  },

  size: {
    params: [req("x"), req("axis")],
    apply(c, a) {
      const x = a.get("x")!;
      const t = c.tensorOf(x, "`size`");
      if (!t) return poison;
      const axis = axisOf(c, a.get("axis")!, t.shape.length, x, t);
      if (axis === undefined) return poison;
      return { kind: "int", dim: t.shape[axis]!, origin: t.origins[axis]! };
    },
  },
};

/** Rules reached only through operators (`a + b`, `-x`, `a < b`); not names a user can call. */
const operatorOnly = new Set(["neg", "add", "sub", "mul", "div", "mod", "matmul", ...comparisons]);

/** The builtin names visible in Grove code. */
export const builtinNames = Object.keys(builtinRules).filter((n) => !operatorOnly.has(n));
