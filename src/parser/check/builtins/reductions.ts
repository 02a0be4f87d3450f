/**
 * @file The reductions: `sum`, `mean` and `max` over some axes (all by default), and `argmax`
 * along one axis, which gives i32 indices.
 */
import type { Span } from "../../../diag/diagnostic.js";
import type { ReduceOp } from "../../../ops/ops.js";
import { dimConst, type Dim } from "../dims.js";
import { poison } from "../values.js";
import { axesOf, axisOf, staticBool } from "./args.js";
import { opt, req, type BuiltinRule } from "./rule.js";

function reduction(op: ReduceOp): BuiltinRule {
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

const argmax: BuiltinRule = {
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
};

export const reductionBuiltins: { readonly [P in ReduceOp | "argmax"]: BuiltinRule } = {
  sum: reduction("sum"),
  mean: reduction("mean"),
  max: reduction("max"),
  argmax,
};
