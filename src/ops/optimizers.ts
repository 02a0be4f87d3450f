/**
 * @file The optimizers a train section may name, one schema record each: the arguments with
 * their kinds, defaults, ranges and doc text, the moments it keeps per parameter, and its
 * per-step scalars. The checker binds `optimizer = ...` against these records (so every
 * backend receives every argument); each backend implements them in a table typed
 * `{ readonly [N in OptimizerName]: ... }`, so a new record fails to compile until every backend
 * has its row (docs/architecture.md, "Adding an optimizer or a schedule").
 */
import {
  fraction,
  nonNegative,
  positiveF32,
  withDefaults,
  type ArgValue,
  type BoundArgs,
  type CallRule,
  type DocArg,
  type DocumentedArgs,
} from "./call-schema.js";

const lr = (d: number): DocArg<"number"> => ({
  kind: "number",
  default: d,
  check: positiveF32,
  doc: "learning rate before the schedule",
});
const eps = (d: number): DocArg<"number"> => ({
  kind: "number",
  default: d,
  check: positiveF32,
  doc: "added to the root of the second moment",
});
const decay = (d: number, doc: string): DocArg<"number"> => ({
  kind: "number",
  default: d,
  check: nonNegative,
  doc,
});
const beta = (d: number, doc: string): DocArg<"number"> => ({
  kind: "number",
  default: d,
  check: fraction,
  doc,
});
const coupledDecay = (d: number) => decay(d, "weight decay, added to the gradient");

/** A moment an optimizer keeps per parameter: an arena `state_<moment>`, checkpoint key `optimizer.<moment>:NAME`. */
export type Moment = "m" | "v";

/** The per-step scalars an optimizer's update reads besides the learning rate. */
export interface OptimizerScalars {
  /** Adam's bias corrections `1 - beta1^t` and `1 - beta2^t`; 1 for optimizers without them. */
  readonly bc1: number;
  readonly bc2: number;
}

interface OptimizerSchema<A extends DocumentedArgs> extends CallRule {
  readonly doc: string;
  readonly args: A;
  /** The moments it keeps, in order, for these arguments. */
  readonly moments: (a: BoundArgs<A>) => readonly Moment[];
  /** The scalars of 1-based step `t`. */
  readonly scalars: (a: BoundArgs<A>, t: number) => OptimizerScalars;
}

/** Checks each record against its own arguments' types. */
const optimizer = <A extends DocumentedArgs>(s: OptimizerSchema<A>): OptimizerSchema<A> => s;

/** A momentum coefficient keeps a moment unless it is 0 in f32. */
const momentumMoments = (mu: number): readonly Moment[] => (Math.fround(mu) === 0 ? [] : ["m"]);
const noScalars = (): OptimizerScalars => ({ bc1: 1, bc2: 1 });
const biasCorrections = (a: { beta1: number; beta2: number }, t: number): OptimizerScalars => ({
  bc1: 1 - a.beta1 ** t,
  bc2: 1 - a.beta2 ** t,
});

const adamArgs = (weightDecay: DocArg<"number">) => ({
  lr: lr(1e-3),
  beta1: beta(0.9, "decay of the first moment (the mean of gradients)"),
  beta2: beta(0.999, "decay of the second moment (the mean of squared gradients)"),
  eps: eps(1e-8),
  weight_decay: weightDecay,
});

export const optimizerSchemas = {
  sgd: optimizer({
    doc: "stochastic gradient descent, plain or with (Nesterov) momentum",
    args: {
      lr: lr(0.01),
      momentum: beta(0, "momentum coefficient; 0 keeps no moment"),
      nesterov: { kind: "bool", default: false, doc: "Nesterov momentum" },
      weight_decay: coupledDecay(0),
    },
    order: ["lr"],
    moments: (a) => momentumMoments(a.momentum),
    scalars: noScalars,
  }),
  adam: optimizer({
    doc: "Adam, with weight decay added to the gradient",
    args: adamArgs(coupledDecay(0)),
    order: ["lr"],
    moments: () => ["m", "v"],
    scalars: (a, t) => biasCorrections(a, t),
  }),
  adamw: optimizer({
    doc: "Adam with decoupled weight decay",
    args: adamArgs(decay(0.01, "decoupled weight decay: p -= lr * weight_decay * p")),
    order: ["lr"],
    moments: () => ["m", "v"],
    scalars: (a, t) => biasCorrections(a, t),
  }),
  rmsprop: optimizer({
    doc: "RMSprop: the gradient over the root of a running mean of its square",
    args: {
      lr: lr(1e-3),
      alpha: beta(0.99, "decay of the mean of squared gradients"),
      eps: eps(1e-8),
      momentum: beta(0, "momentum coefficient; 0 keeps no momentum moment"),
      weight_decay: coupledDecay(0),
    },
    order: ["lr"],
    moments: (a) => [...momentumMoments(a.momentum), "v"],
    scalars: noScalars,
  }),
};

type Schemas = typeof optimizerSchemas;
export type OptimizerName = keyof Schemas;
export const optimizerNames = Object.keys(optimizerSchemas) as readonly OptimizerName[];

/** The bound arguments of optimizer `N`, every default filled in. */
export type OptimizerArgs<N extends OptimizerName> = BoundArgs<Schemas[N]["args"]>;

/** A checked optimizer call: its name and bound arguments. */
export type OptimizerSpec = {
  readonly [N in OptimizerName]: { readonly name: N; readonly args: OptimizerArgs<N> };
}[OptimizerName];

/** A backend's implementation of every optimizer: one row each, made from its bound arguments. */
export type OptimizerRows<T> = { readonly [N in OptimizerName]: (a: OptimizerArgs<N>) => T };

/** The row of `rows` for `spec`, made from its arguments. */
export function optimizerRow<T>(rows: OptimizerRows<T>, spec: OptimizerSpec): T {
  return (rows[spec.name] as (a: OptimizerSpec["args"]) => T)(spec.args);
}

const schemaOf = (name: OptimizerName) =>
  optimizerSchemas[name] as unknown as {
    readonly moments: (a: OptimizerSpec["args"]) => readonly Moment[];
    readonly scalars: (a: OptimizerSpec["args"], t: number) => OptimizerScalars;
  };

/** The moments `spec` keeps per parameter, in order. */
export function optimizerMoments(spec: OptimizerSpec): readonly Moment[] {
  return schemaOf(spec.name).moments(spec.args);
}

/** The per-step scalars of `spec` at 1-based step `t`. */
export function optimizerScalars(spec: OptimizerSpec, t: number): OptimizerScalars {
  return schemaOf(spec.name).scalars(spec.args, t);
}

/** `spec` with a parameter group's `weight_decay` (every optimizer has one). */
export function withWeightDecay(spec: OptimizerSpec, weightDecay: number): OptimizerSpec {
  return { ...spec, args: { ...spec.args, weight_decay: weightDecay } } as OptimizerSpec;
}

/** Optimizer `name` with `given` arguments and the defaults for the rest (tests and tools). */
export function optimizerSpec<N extends OptimizerName>(
  name: N,
  given?: Readonly<Record<string, ArgValue>>,
): OptimizerSpec & { readonly name: N } {
  const args: unknown = withDefaults<DocumentedArgs>(optimizerSchemas[name], given);
  return { name, args } as OptimizerSpec & { readonly name: N };
}
