/**
 * @file The builtins that rearrange a tensor's elements without computing on them: `reshape`
 * (and `flatten`), `transpose`, `slice`, `concat`, `broadcast`, and `size`, which reads a
 * dimension as a number.
 */
import type { Span } from "../../../diag/diagnostic.js";
import { dimAdd, dimConst, dimEq, dimToString, dimValue, type Dim } from "../dims.js";
import { isComplaint, productOf } from "../ranges.js";
import { broadcastShapes, formatShape } from "../shapes.js";
import { poison, type Tensor, type Value } from "../values.js";
import { axisOf, listOf, same, staticDim, staticInt } from "./args.js";
import { opt, req, type ArgV, type BuiltinRule, type CallInfo, type Ctx } from "./rule.js";

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

const reshape: BuiltinRule = {
  params: [req("x"), req("shape")],
  apply(c, a, call) {
    const x = a.get("x")!;
    const t = c.tensorOf(x, "`reshape`");
    const target = dimsOf(c, a.get("shape")!, "the new shape");
    if (!t || !target) return poison;
    return reshapeTo(c, x, t, target.dims, target.origins, call);
  },
};

const flatten: BuiltinRule = {
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
};

const transpose: BuiltinRule = {
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
};

const slice: BuiltinRule = {
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
};

const concat: BuiltinRule = {
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
};

const broadcast: BuiltinRule = {
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
};

const size: BuiltinRule = {
  params: [req("x"), req("axis")],
  apply(c, a) {
    const x = a.get("x")!;
    const t = c.tensorOf(x, "`size`");
    if (!t) return poison;
    const axis = axisOf(c, a.get("axis")!, t.shape.length, x, t);
    if (axis === undefined) return poison;
    return { kind: "int", dim: t.shape[axis]!, origin: t.origins[axis]! };
  },
};

export const shapeBuiltins: {
  readonly [P in "reshape" | "transpose" | "slice" | "concat" | "broadcast"]: BuiltinRule;
} = { reshape, transpose, slice, concat, broadcast };

/** `flatten` records a `reshape`; `size` records nothing. */
export const derivedShapeBuiltins = { flatten, size };
