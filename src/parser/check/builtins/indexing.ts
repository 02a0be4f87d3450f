/**
 * @file The builtins that work with integer indices: `gather` (rows of a table by i32 ids),
 * `one_hot` and `iota`.
 */
import { dimConst, dimValue } from "../dims.js";
import { formatType } from "../shapes.js";
import { poison } from "../values.js";
import { staticDim, staticInt } from "./args.js";
import { req, type BuiltinRule } from "./rule.js";

const gather: BuiltinRule = {
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
};

const one_hot: BuiltinRule = {
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
};

const iota: BuiltinRule = {
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
};

export const indexingBuiltins: { readonly [P in "gather" | "one_hot" | "iota"]: BuiltinRule } = {
  gather,
  one_hot,
  iota,
};
