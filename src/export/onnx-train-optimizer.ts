/**
 * @file Gradient clipping and the optimizer update as ONNX nodes, for the training step of
 * `--backend onnx`: the host optimizer's math (src/runtime/host-optimizer.ts, itself the WGSL
 * update kernel's) written op for op in float32, one ONNX node per rounded operation in the same
 * order, so that from the same gradients both give the same parameters and moments bit for bit.
 * The per-step scalars (`lr`, `bc1`, `bc2`, `clip`) are graph inputs; constant hyper-parameters
 * are float32 constants, rounded as the host rounds them. A parameter's `ParamRule` (the train
 * section's `freeze` and `groups`) changes its update as the CPU backend's does: a frozen one has
 * none, a group's its own weight decay and learning rate `lr * lrScale` (one f32 product).
 */
import { groupSpec } from "../codegen/optimizer.js";
import {
  optimizerMoments,
  optimizerRow,
  type OptimizerArgs,
  type OptimizerRows,
  type OptimizerSpec,
} from "../ops/optimizers.js";
import type { ParamRule } from "../parser/check/values.js";
import { onnxDataType } from "./onnx-proto.js";
import type { OnnxWriter } from "./onnx-writer.js";

/** The ONNX values one parameter's update reads and writes. */
export interface UpdateValues {
  readonly p: string;
  /** The gradient, already scaled by the clipping factor. */
  readonly g: string;
  /** Each moment's current value, by moment name (`m`, `v`). */
  readonly state: Readonly<Record<string, string>>;
}

/** What an update rule computes: the new parameter and each new moment. */
export interface UpdateResult {
  readonly p: string;
  readonly state: Readonly<Record<string, string>>;
}

/** Float32 arithmetic on ONNX values, each call one node (one rounding). */
export class F32Ops {
  private count = 0;

  constructor(
    readonly w: OnnxWriter,
    /** The graph input of a per-step scalar (`lr`, `bc1`, `bc2`), declared on first use. */
    readonly u: (field: "lr" | "bc1" | "bc2") => string,
  ) {}

  /** One node named `%u<k>` (a name no IR value or `.grove` name has). */
  op(type: string, inputs: readonly string[], attrs: Record<string, number> = {}): string {
    return this.w.op(type, inputs, attrs, `%u${this.count++}`);
  }

  /** A float32 constant: `value` rounded to f32, as `Math.fround` rounds it on the host. */
  c = (value: number) => this.w.scalar(value, "f32");
  add = (a: string, b: string) => this.op("Add", [a, b]);
  sub = (a: string, b: string) => this.op("Sub", [a, b]);
  mul = (a: string, b: string) => this.op("Mul", [a, b]);
  div = (a: string, b: string) => this.op("Div", [a, b]);
  sqrt = (a: string) => this.op("Sqrt", [a]);
}

/** An optimizer's update: the moments it keeps and how one parameter is updated. */
export interface UpdateRule {
  readonly moments: readonly string[];
  apply(x: F32Ops, v: UpdateValues): UpdateResult;
}

/** A rule's update given the learning rate's ONNX value (`lr`, or a group's scaled rate). */
type RateUpdate = (x: F32Ops, v: UpdateValues, lr: string) => UpdateResult;

/** `g + wd * p`, or `g` without weight decay. */
const decayed = (x: F32Ops, wd: number, g: string, p: string) =>
  Math.fround(wd) !== 0 ? x.add(g, x.mul(x.c(wd), p)) : g;

/** Each optimizer's update, keeping the moments `optimizerMoments` gives. */
const updateRules: OptimizerRows<RateUpdate> = {
  sgd: (a) => {
    const mu = a.momentum;
    // p = p - lr * (g + wd * p)
    if (Math.fround(mu) === 0)
      return (x, { p, g }, lr) => ({
        p: x.sub(p, x.mul(lr, decayed(x, a.weight_decay, g, p))),
        state: {},
      });
    return (x, { p, g, state }, lr) => {
      const gd = decayed(x, a.weight_decay, g, p);
      const m = x.add(x.mul(x.c(mu), state.m!), gd);
      const step = a.nesterov ? x.add(gd, x.mul(x.c(mu), m)) : m;
      return { p: x.sub(p, x.mul(lr, step)), state: { m } };
    };
  },
  adam: (a) => adam(a, a.weight_decay, 0),
  adamw: (a) => adam(a, 0, a.weight_decay),
  rmsprop:
    (a) =>
    (x, { p, g, state }, lr): UpdateResult => {
      const gd = decayed(x, a.weight_decay, g, p);
      const v = x.add(x.mul(x.c(a.alpha), state.v!), x.mul(x.mul(x.c(1 - a.alpha), gd), gd));
      const root = x.add(x.sqrt(v), x.c(a.eps));
      // p = p - lr * gd / (sqrt(v) + eps), or with momentum m = mu * m + gd / root; p = p - lr * m
      if (Math.fround(a.momentum) === 0)
        return { p: x.sub(p, x.div(x.mul(lr, gd), root)), state: { v } };
      const m = x.add(x.mul(x.c(a.momentum), state.m!), x.div(gd, root));
      return { p: x.sub(p, x.mul(lr, m)), state: { m, v } };
    },
};

/** Adam's update with weight decay `coupled` (added to the gradient) or `decoupled` (adamw). */
function adam(a: OptimizerArgs<"adam">, coupled: number, decoupled: number): RateUpdate {
  return (x, { p, g, state }, lr) => {
    const gd = decayed(x, coupled, g, p);
    const m = x.add(x.mul(x.c(a.beta1), state.m!), x.mul(x.c(1 - a.beta1), gd));
    const v = x.add(x.mul(x.c(a.beta2), state.v!), x.mul(x.mul(x.c(1 - a.beta2), gd), gd));
    // p = p - lr * wd * p;  then  p = p - lr * (m / bc1) / (sqrt(v / bc2) + eps)
    const pd = Math.fround(decoupled) !== 0 ? x.sub(p, x.mul(x.mul(lr, x.c(decoupled)), p)) : p;
    const step = x.div(
      x.mul(lr, x.div(m, x.u("bc1"))),
      x.add(x.sqrt(x.div(v, x.u("bc2"))), x.c(a.eps)),
    );
    return { p: x.sub(pd, step), state: { m, v } };
  };
}

/**
 * The update rule of `spec` for a parameter with `param` (its `freeze`/`groups` rule; none: the
 * optimizer's), or undefined for a frozen parameter, which has no update.
 */
export function updateRule(spec: OptimizerSpec, param: ParamRule = {}): UpdateRule | undefined {
  if (param.frozen) return undefined;
  const own = groupSpec(spec, param);
  const update = optimizerRow(updateRules, own);
  const scale = param.lrScale;
  // As the host: lr = f32(lr) * f32(lrScale), one rounding; a scale of 1 keeps `lr` itself.
  const rate = (x: F32Ops) =>
    scale === undefined || scale === 1 ? x.u("lr") : x.mul(x.u("lr"), x.c(scale));
  return { moments: optimizerMoments(own), apply: (x, v) => update(x, v, rate(x)) };
}

/**
 * The global L2 norm of every gradient, as the host computes it: squares summed in float64, the
 * square root rounded to float32.
 */
export function globalNorm(x: F32Ops, grads: readonly string[]): string {
  const squares = grads.map((g) =>
    x.op("ReduceSumSquare", [x.op("Cast", [g], { to: onnxDataType.DOUBLE })], { keepdims: 0 }),
  );
  const total = squares.length === 1 ? squares[0]! : x.op("Sum", squares);
  return x.op("Cast", [x.op("Sqrt", [total])], { to: onnxDataType.FLOAT });
}

/** The clipping factor: `clip / norm` when `clip > 0 && norm > clip`, else 1. */
export function clipScale(x: F32Ops, norm: string, clip: string): string {
  const zero = x.c(0);
  const clips = x.op("And", [x.op("Greater", [clip, zero]), x.op("Greater", [norm, clip])]);
  return x.op("Where", [clips, x.div(clip, norm), x.c(1)]);
}
