/**
 * @file Types and dimensions as signatures write them: a dtype name, a dimension expression
 * (`n * 4`, `d / heads`, a name bound by an argument or a model input), a forward's input type
 * matched against a tensor (binding new dimension names and `...`), and its declared output or
 * results checked against what the body gave. Mistakes are reported through a `Reporter`.
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import { limits } from "../limits.js";
import { dimAdd, dimConst, dimDiv, dimEq, dimMul, dimSub, dimToString, type Dim } from "./dims.js";
import { dimProblem, dimRangeProblem, tooLarge } from "./ranges.js";
import { formatType, originLabels } from "./shapes.js";
import type { Reporter } from "./sink.js";
import { didYouMean } from "./suggest.js";
import { describeKind, type DType, type Scope, type Tensor, type Value } from "./values.js";

/** The dimensions a `...` in a forward's input type matched, for its output type. */
export interface Captured {
  readonly dims: readonly Dim[];
  readonly origins: readonly Span[];
}

/** A tensor type's dtype name: `f32` when none is written; G0206 for an unknown one. */
export function dtypeOf(c: Reporter, id: A.Ident | undefined): DType | undefined {
  if (!id) return "f32";
  if (id.name === "f32" || id.name === "i32") return id.name;
  const help = didYouMean(id.name, ["f32", "i32"]);
  c.report({
    code: "G0206",
    message: `unknown dtype \`${id.name}\``,
    span: id.span,
    label: "Grove tensors are `f32` or `i32`",
    ...(help ? { help } : {}),
  });
  return undefined;
}

/**
 * Evaluates a dimension expression. `bind` decides what an unknown name means: undefined
 * reports it; otherwise the callback supplies a value (a new symbol for model inputs).
 */
export function evalDim(
  c: Reporter,
  d: A.DimExpr,
  scope: Scope,
  bind?: (name: string, span: Span) => Value | undefined,
): { dim: Dim; origin: Span } | undefined {
  // `a + b + c` nests to the left: fold the chain in a loop.
  const links: Extract<A.DimExpr, { kind: "dim-binary" }>[] = [];
  let base = d;
  for (; base.kind === "dim-binary"; base = base.left) links.push(base);
  let acc = evalDimLeaf(c, base, scope, bind);
  for (let i = links.length - 1; i >= 0 && acc; i--) {
    const link = links[i]!;
    const r = evalDim(c, link.right, scope, bind);
    acc = r && dimArithmetic(c, link, acc.dim, r.dim);
  }
  return acc;
}

function evalDimLeaf(
  c: Reporter,
  d: Exclude<A.DimExpr, { kind: "dim-binary" }>,
  scope: Scope,
  bind?: (name: string, span: Span) => Value | undefined,
): { dim: Dim; origin: Span } | undefined {
  switch (d.kind) {
    case "int":
      return dimLiteral(c, d.value, d.span);
    case "dim-error":
      return undefined;
    case "ellipsis":
      c.report({
        code: "G0413",
        message: "`...` is only allowed in forward signatures",
        span: d.span,
        label: "not allowed here",
      });
      return undefined;
    case "dim-name": {
      const v = scope.get(d.name) ?? bind?.(d.name, d.span);
      if (!v) {
        const help = c.reporting(d.span) ? didYouMean(d.name, scope.allNames()) : undefined;
        c.report({
          code: "G0203",
          message: `unknown dimension \`${d.name}\``,
          span: d.span,
          label: "no block argument or dimension has this name",
          ...(help ? { help } : {}),
        });
        return undefined;
      }
      if (v.kind === "int") {
        const range = dimRangeProblem(v.dim);
        if (!range) return { dim: v.dim, origin: v.origin };
        c.report({
          ...range,
          span: d.span,
          secondary: originLabels([{ origin: v.origin, dim: v.dim }], [d.span]),
        });
        return undefined;
      }
      if (v.kind !== "poison")
        c.report({
          code: "G0410",
          message: `a dimension must be an integer, but \`${d.name}\` is ${describeKind(v)}`,
          span: d.span,
          label: "not an integer",
        });
      return undefined;
    }
  }
}

/** A number written in a shape: a whole number no larger than `limits.dimension`. */
function dimLiteral(
  c: Reporter,
  value: number,
  span: Span,
): { dim: Dim; origin: Span } | undefined {
  if (Number.isFinite(value) && !Number.isInteger(value)) {
    c.report({
      code: "G0410",
      message: `a dimension must be an integer, but this is ${value}`,
      span,
      label: "not an integer",
    });
    return undefined;
  }
  if (!(value <= limits.dimension)) {
    c.report(tooLarge(value, span));
    return undefined;
  }
  return { dim: dimConst(value), origin: span };
}

function dimArithmetic(
  c: Reporter,
  d: Extract<A.DimExpr, { kind: "dim-binary" }>,
  l: Dim,
  r: Dim,
): { dim: Dim; origin: Span } | undefined {
  const complex = dimProblem(d.op, l, r);
  if (complex) {
    c.report({ ...complex, span: d.span });
    return undefined;
  }
  const dim = dimArith(d.op, l, r);
  if (!dim) {
    c.report({
      code: "G0410",
      message: `${dimToString(l)} is not divisible by ${dimToString(r)}`,
      span: d.span,
      label: "dimensions must be whole numbers",
    });
    return undefined;
  }
  const range = dimRangeProblem(dim);
  if (range) {
    c.report({ ...range, span: d.span });
    return undefined;
  }
  return { dim, origin: d.span };
}

/**
 * Checks a tensor against a forward input type, binding unknown dimension names. Returns the
 * dimensions captured by `...`, undefined when there is none, or false after a mismatch.
 */
export function matchType(
  c: Reporter,
  type: A.TypeExpr,
  t: Tensor,
  argSpan: Span,
  scope: Scope,
  outer: Scope,
  what: string,
): Captured | undefined | false {
  const want = dtypeOf(c, type.dtype);
  if (!want) return false;
  const actual = formatType(t.dtype, t.shape);
  if (want !== t.dtype) {
    c.report({
      code: "G0409",
      message: `${what} expects ${want} but got ${t.dtype}`,
      span: argSpan,
      label: `has type ${actual}`,
      secondary: [{ span: type.span, message: `expects ${want}` }],
      ...(want === "f32" ? { help: "convert with `cast(x, f32)`" } : {}),
    });
    return false;
  }
  const dots = type.dims.findIndex((d) => d.kind === "ellipsis");
  const fixed = type.dims.length - (dots >= 0 ? 1 : 0);
  if (dots >= 0 ? t.shape.length < fixed : t.shape.length !== fixed) {
    c.report({
      code: "G0403",
      message: `${what} expects a tensor of rank ${dots >= 0 ? `${fixed} or more` : fixed} but got ${actual}`,
      span: argSpan,
      label: `has rank ${t.shape.length}`,
      secondary: [{ span: type.span, message: "expected type" }],
    });
    return false;
  }
  const pairs: [A.DimExpr, number][] = [];
  type.dims.forEach((d, i) => {
    if (d.kind === "ellipsis") return;
    pairs.push([d, dots >= 0 && i > dots ? t.shape.length - (type.dims.length - i) : i]);
  });
  for (const [d, k] of pairs) {
    const dim = t.shape[k]!;
    const origin = t.origins[k]!;
    if (d.kind === "dim-name" && !hasLocal(scope, d.name, outer)) {
      scope.set(d.name, { kind: "int", dim, origin });
      continue;
    }
    const expected = evalDim(c, d, scope);
    if (!expected) return false;
    if (!dimEq(expected.dim, dim)) {
      c.report({
        code: "G0404",
        message: `${what} expects ${renderTypeWith(type, d, expected.dim)} but got ${actual}`,
        span: argSpan,
        label: `dimension ${k} is ${dimToString(dim)}`,
        secondary: [
          {
            span: d.span,
            message: `expects ${dimToString(expected.dim)} here`,
          },
          ...originLabels(
            [
              { origin, dim },
              { origin: expected.origin, dim: expected.dim },
            ],
            [argSpan, d.span],
          ),
        ],
      });
      return false;
    }
  }
  if (dots < 0) return undefined;
  return {
    dims: t.shape.slice(dots, dots + t.shape.length - fixed),
    origins: t.origins.slice(dots, dots + t.shape.length - fixed),
  };
}

/** `-> ([N, d], [N, d])`: the forward gives that many results, each of its type. */
export function checkResults(
  c: Reporter,
  types: readonly A.TypeExpr[],
  out: Value,
  result: A.Expr,
  scope: Scope,
  captured?: Captured,
): void {
  if (out.kind === "poison") return;
  if (out.kind !== "list" || out.items.length !== types.length) {
    const got = out.kind === "list" ? `${out.items.length} results` : describeKind(out);
    c.report({
      code: "G0405",
      message: `forward gives ${got} but declares ${types.length} results`,
      span: result.span,
      label: `this is ${got}`,
      secondary: [{ span: typesSpan(types), message: `declared ${types.length} results` }],
    });
    return;
  }
  out.items.forEach((v, i) => {
    const span = result.kind === "tuple" ? result.items[i]!.span : result.span;
    if (v.kind === "tensor") checkOutput(c, types[i]!, v.t, span, scope, captured);
    else if (v.kind !== "poison")
      c.report({
        code: "G0405",
        message: `result ${i + 1} of forward is ${describeKind(v)}, but a tensor is declared`,
        span,
        label: `this is ${describeKind(v)}`,
      });
  });
}

export function checkOutput(
  c: Reporter,
  type: A.TypeExpr,
  t: Tensor,
  resultSpan: Span,
  scope: Scope,
  captured?: Captured,
): void {
  const want = dtypeOf(c, type.dtype);
  const dims: Dim[] = [];
  for (const d of type.dims) {
    if (d.kind === "ellipsis") {
      if (!captured) {
        c.report({
          code: "G0413",
          message: "`...` in the output type needs a `...` in an input type",
          span: d.span,
          label: "nothing was captured",
        });
        return;
      }
      dims.push(...captured.dims);
      continue;
    }
    const v = evalDim(c, d, scope);
    if (!v) return;
    dims.push(v.dim);
  }
  const same = dims.length === t.shape.length && dims.every((d, i) => dimEq(d, t.shape[i]!));
  if (!same || want !== t.dtype) {
    c.report({
      code: "G0405",
      message: `forward returns ${formatType(t.dtype, t.shape)} but declares ${formatType(want ?? "f32", dims)}`,
      span: resultSpan,
      label: `this is ${formatType(t.dtype, t.shape)}`,
      secondary: [
        {
          span: type.span,
          message: `declared ${formatType(want ?? "f32", dims)}`,
        },
      ],
    });
  }
}

function typesSpan(types: readonly A.TypeExpr[]): Span {
  const first = types[0]!.span;
  return { ...first, end: types[types.length - 1]!.span.end };
}

function dimArith(op: "+" | "-" | "*" | "/", a: Dim, b: Dim): Dim | undefined {
  if (op === "+") return dimAdd(a, b);
  if (op === "-") return dimSub(a, b);
  if (op === "*") return dimMul(a, b);
  return dimDiv(a, b);
}

/** True when `name` is bound between `scope` and the instance scope `outer` (inclusive). */
function hasLocal(scope: Scope, name: string, outer: Scope): boolean {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (s.has(name)) return true;
    if (s === outer) return false;
  }
  return false;
}

function renderTypeWith(type: A.TypeExpr, at: A.DimExpr, value: Dim): string {
  const dims = type.dims.map((d) => (d === at ? dimToString(value) : dimText(d)));
  return `[${dims.join(", ")}]`;
}

/** A dimension as written (without parentheses); iterative, since `+` chains nest left. */
function dimText(root: A.DimExpr): string {
  const parts: string[] = [];
  const todo: (A.DimExpr | string)[] = [root];
  for (let d = todo.pop(); d !== undefined; d = todo.pop()) {
    if (typeof d === "string") parts.push(d);
    else if (d.kind === "dim-binary") todo.push(d.right, ` ${d.op} `, d.left);
    else parts.push(leafText(d));
  }
  return parts.join("");
}

function leafText(d: Exclude<A.DimExpr, { kind: "dim-binary" }>): string {
  if (d.kind === "int") return String(d.value);
  if (d.kind === "dim-name") return d.name;
  return d.kind === "ellipsis" ? "..." : "?";
}
