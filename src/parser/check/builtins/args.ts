/**
 * @file Reading builtin arguments: numbers known when checking, integers (sizes, axes) within
 * range, booleans, lists, axes of a tensor, and the one dtype several operands must share. Each
 * reports the user's mistake and returns undefined.
 */
import type { Span } from "../../../diag/diagnostic.js";
import { dimConst, dimToString, dimValue, type Dim } from "../dims.js";
import { dimRangeProblem, shown } from "../ranges.js";
import { formatShape, formatType } from "../shapes.js";
import { describeKind, type DType, type Tensor, type Value } from "../values.js";
import type { ArgV, Ctx } from "./rule.js";

export function numberOf(v: Value): number | undefined {
  if (v.kind === "int") return dimValue(v.dim);
  if (v.kind === "float") return v.value;
  if (v.kind === "bool") return v.value ? 1 : 0;
  return undefined;
}

export function isNumber(v: Value): boolean {
  return v.kind === "int" || v.kind === "float" || v.kind === "bool";
}

/** An integer argument (a size, axis, index) within `limits.dimension` either way from 0. */
export function staticDim(c: Ctx, a: ArgV, what: string): { dim: Dim; origin: Span } | undefined {
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

export function staticInt(c: Ctx, a: ArgV, what: string): number | undefined {
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

export function staticBool(
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

export function listOf(a: ArgV): ArgV[] {
  if (a.value.kind === "list") {
    const spans = a.value.spans;
    return a.value.items.map((value, i) => ({
      value,
      span: spans[i] ?? a.span,
    }));
  }
  return [a];
}

export function axisOf(c: Ctx, a: ArgV, rank: number, x: ArgV, t: Tensor): number | undefined {
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
export function axesOf(c: Ctx, a: ArgV | undefined, x: ArgV, t: Tensor): number[] | undefined {
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

export function same(
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
export function dtypeFor(args: readonly ArgV[]): DType {
  const tensors = args
    .filter((a) => a.value.kind === "tensor")
    .map((a) => (a.value as { t: Tensor }).t);
  const allInt = args.every((a) => a.value.kind !== "float");
  return tensors.length > 0 && tensors.every((t) => t.dtype === "i32") && allInt ? "i32" : "f32";
}
