/**
 * @file The matrix product `a @ b`: batched over leading dimensions that broadcast, f32 only.
 */
import { dimEq, dimToString } from "../dims.js";
import { broadcastShapes, formatShape, formatType, originLabels } from "../shapes.js";
import { poison, type Value } from "../values.js";
import { req, type Args, type BuiltinRule, type CallInfo, type Ctx } from "./rule.js";

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

export const matmulBuiltins: { readonly matmul: BuiltinRule } = {
  matmul: { params: [req("a"), req("b")], apply: matmul },
};
