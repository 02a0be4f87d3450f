/**
 * @file The image builtins on [N, C, H, W] tensors: `conv2d` and the `max_pool2d` and
 * `avg_pool2d` windows, with the output size rule they share.
 */
import { dimConst, dimEq, dimToString, dimValue } from "../dims.js";
import { formatShape, originLabels } from "../shapes.js";
import { poison, type Tensor } from "../values.js";
import { staticInt } from "./args.js";
import { opt, req, type ArgV, type BuiltinRule, type CallInfo, type Ctx } from "./rule.js";

type PoolOp = "max_pool2d" | "avg_pool2d";

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

function pool(op: PoolOp): BuiltinRule {
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

const conv2d: BuiltinRule = {
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
};

export const convPoolBuiltins: { readonly [P in PoolOp | "conv2d"]: BuiltinRule } = {
  conv2d,
  max_pool2d: pool("max_pool2d"),
  avg_pool2d: pool("avg_pool2d"),
};
