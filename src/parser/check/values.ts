/**
 * @file What the checker computes with: compile-time values (numbers, functions, instances,
 * tensors with symbolic shapes) and the elaborated program it produces — a flat, typed trace of
 * primitive applications per model and per train section, which `src/ir` lowers to IR.
 */
import type { Span } from "../../diag/diagnostic.js";
import type { ArgValue } from "../../ops/call-schema.js";
import type { DataField, DataSourceName } from "../../ops/data-sources.js";
import type { InitializerName } from "../../ops/initializers.js";
import type { GradientOp, NoAttrs, Op, OpAttrs } from "../../ops/ops.js";
import type { OptimizerSpec } from "../../ops/optimizers.js";
import type { ScheduleSpec } from "../../ops/schedules.js";
import type * as A from "../ast.js";
import type { Dim } from "./dims.js";

export type DType = "f32" | "i32";

/** A tensor during checking: its trace node, dtype and shape, and where each dimension came from. */
export interface Tensor {
  readonly node: number;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
  /** For each dimension, the source that gave it its value. */
  readonly origins: readonly Span[];
}

export interface Instance {
  readonly decl: A.BlockDecl;
  /** Hierarchical name: `l1`, `blocks.attn`. Parameters are named `path.param`. */
  readonly path: string;
  readonly scope: Scope;
  readonly span: Span;
}

/**
 * `blocks = repeat(4, PreNormBlock(256))`: copies of one block, each its own instance named
 * `blocks.0`, `blocks.1`, ...; calling the stack runs its input through the copies in order.
 */
export interface Stack {
  readonly decl: A.BlockDecl;
  readonly path: string;
  readonly copies: readonly Instance[];
  /** The `repeat(...)` call. */
  readonly span: Span;
}

export type Value =
  | { readonly kind: "tensor"; readonly t: Tensor }
  | { readonly kind: "int"; readonly dim: Dim; readonly origin: Span }
  | { readonly kind: "float"; readonly value: number; readonly origin: Span }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "string"; readonly value: string; readonly span: Span }
  | { readonly kind: "dtype"; readonly dtype: DType }
  | {
      readonly kind: "list";
      readonly items: readonly Value[];
      readonly spans: readonly Span[];
    }
  | { readonly kind: "fn"; readonly decl: A.FnDecl }
  | { readonly kind: "builtin"; readonly name: string }
  | { readonly kind: "block"; readonly decl: A.BlockDecl }
  | { readonly kind: "instance"; readonly inst: Instance }
  | { readonly kind: "stack"; readonly stack: Stack }
  /** The `repeat` form: only meaningful as the value of a member binding. */
  | { readonly kind: "repeat" }
  | { readonly kind: "model"; readonly decl: A.ModelDecl }
  /** An error was already reported for this value; uses of it stay silent. */
  | { readonly kind: "poison" };

export const poison: Value = { kind: "poison" };

export function describeKind(v: Value): string {
  switch (v.kind) {
    case "tensor":
      return "a tensor";
    case "int":
      return "an integer";
    case "float":
      return "a number";
    case "bool":
      return "a boolean";
    case "string":
      return "a string";
    case "dtype":
      return "a dtype";
    case "list":
      return "a list";
    case "fn":
      return `the function \`${v.decl.name.name}\``;
    case "builtin":
      return `the builtin \`${v.name}\``;
    case "block":
      return `the block \`${v.decl.name.name}\``;
    case "instance":
      return `the layer \`${v.inst.path}\``;
    case "stack":
      return `the stack \`${v.stack.path}\` (${v.stack.copies.length} × ${v.stack.decl.name.name})`;
    case "repeat":
      return "`repeat`";
    case "model":
      return `the model \`${v.decl.name.name}\``;
    case "poison":
      return "an invalid value";
  }
}

/** What an unknown-name error adds where a scope says what is in it (a train section). */
export interface UnknownHint {
  readonly notes: readonly string[];
  readonly help?: string;
}

/** A lexical scope: a map of names with a parent. */
export class Scope {
  private readonly names = new Map<string, Value>();
  /** Set on a scope whose contents are worth listing when a name is not found in it. */
  hint?: (name: string) => UnknownHint;
  constructor(readonly parent?: Scope) {}

  /** The hint of the innermost scope that has one. */
  unknownHint(name: string): UnknownHint | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.hint) return s.hint(name);
    return undefined;
  }

  get(name: string): Value | undefined {
    return this.names.get(name) ?? this.parent?.get(name);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  set(name: string, v: Value): void {
    this.names.set(name, v);
  }

  /** The names bound in this scope itself, in the order they were bound. */
  ownNames(): string[] {
    return [...this.names.keys()];
  }

  /** Every name visible from here, for suggestions. */
  allNames(): string[] {
    return [...new Set([...this.names.keys(), ...(this.parent?.allNames() ?? [])])];
  }
}

// ---------------------------------------------------------------- the elaborated program

/**
 * The ops a trace node can hold: the IR's, less the gradients, plus `training` (1 in the
 * training graph, 0 when evaluating; lowering makes it a constant).
 */
export type TraceOp = Exclude<Op, GradientOp> | "training";

/**
 * What the trace records of each op: the IR's attributes with symbolic dimensions, except where
 * it records what the user wrote and lowering completes it. Convolution and pooling take one
 * stride, padding and window size for both axes (the IR takes pairs); `cast` names its target
 * `dtype` (the IR's `to`); a constant's value may be a dimension (`size(x, 0)` used in
 * arithmetic), its shape and dtype are the node's; the leaves' and random draws' shape and dtype
 * are the node's too, and lowering adds the draws' seed and stream.
 */
interface TraceOnlyAttrs {
  const: { readonly value: number | Dim };
  conv2d: { readonly stride: number; readonly padding: number };
  max_pool2d: WindowAttrs;
  avg_pool2d: WindowAttrs;
  cast: { readonly dtype: DType };
  random_uniform: { readonly shape: readonly Dim[] };
  random_normal: { readonly shape: readonly Dim[] };
  input: NamedAttrs;
  param: NamedAttrs;
  state: NamedAttrs;
  training: NoAttrs;
}

interface WindowAttrs {
  readonly size: number;
  readonly stride: number;
}

interface NamedAttrs {
  readonly name: string;
}

/** The attributes a trace node of each op carries. */
export type TraceAttrs = {
  readonly [P in TraceOp]: P extends keyof TraceOnlyAttrs
    ? TraceOnlyAttrs[P]
    : OpAttrs<Dim>[Exclude<P, keyof TraceOnlyAttrs>];
};

/** One primitive application of op `P`, with that op's attributes. */
export interface TraceNodeOf<P extends TraceOp> {
  readonly id: number;
  readonly op: P;
  readonly inputs: readonly number[];
  readonly attrs: TraceAttrs[P];
  readonly dtype: DType;
  readonly shape: readonly Dim[];
  readonly span: Span;
  /** The instance path the node was made in (`l1`), or "" at model level. */
  readonly scope: string;
}

/** One primitive application: a union over the ops, so `op` tells the attributes' type. */
export type TraceNode = { [P in TraceOp]: TraceNodeOf<P> }[TraceOp];

export interface InitSpec {
  readonly name: InitializerName;
  readonly args: Readonly<Record<string, number>>;
}

export interface ParamInfo {
  readonly name: string;
  readonly node: number;
  readonly shape: readonly number[];
  readonly init: InitSpec;
  readonly span: Span;
}

/** `update name = ...`: the node giving state `name` its value after a training step. */
export interface UpdateInfo {
  readonly name: string;
  readonly node: number;
  readonly span: Span;
}

export interface InputInfo {
  readonly name: string;
  readonly node: number;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
  readonly span: Span;
}

export interface Graph {
  readonly nodes: readonly TraceNode[];
  readonly inputs: readonly InputInfo[];
  readonly params: readonly ParamInfo[];
  /** `state` tensors: persistent, untrained, initialised like parameters. */
  readonly state: readonly ParamInfo[];
  /** Each updated state's new value; applied by a training step only (evaluation ignores them). */
  readonly updates: readonly UpdateInfo[];
  readonly outputs: readonly {
    readonly name: string;
    readonly node: number;
    readonly span: Span;
  }[];
}

export interface ElaboratedModel {
  readonly name: string;
  readonly graph: Graph;
  readonly span: Span;
}

/** A call of a train section (data source, optimizer, schedule) with its arguments bound. */
export interface CallSpec<N extends string = string> {
  readonly name: N;
  readonly args: Readonly<Record<string, ArgValue>>;
  readonly span: Span;
}

export interface ElaboratedTrain {
  readonly model: string;
  /** Model graph plus the loss and metrics, which are named outputs `loss` and `metric:NAME`. */
  readonly graph: Graph;
  readonly data: CallSpec<DataSourceName>;
  readonly fields: readonly DataField[];
  readonly optimizer: OptimizerSpec & { readonly span: Span };
  readonly schedule: ScheduleSpec & { readonly span: Span };
  readonly batch: number;
  readonly epochs: number;
  readonly seed: number;
  readonly clipGradNorm?: number;
  readonly metrics: readonly string[];
  /** What `freeze` and `groups` say about each parameter they select (absent: none selected). */
  readonly paramRules?: ParamRules;
  readonly span: Span;
}

/** A train section's rule for one parameter, from its `freeze` and `groups` settings. */
export interface ParamRule {
  /** No gradient and no update: the value stays as loaded or initialised. */
  readonly frozen?: boolean;
  /** The group's `lr` over the optimizer's: the scheduled rate is multiplied by this. */
  readonly lrScale?: number;
  /** The group's `weight_decay`, replacing the optimizer's. */
  readonly weightDecay?: number;
}

/** Rules by parameter name; a parameter without one follows the optimizer. */
export type ParamRules = Readonly<Record<string, ParamRule>>;

export interface CheckedProgram {
  readonly models: readonly ElaboratedModel[];
  readonly trains: readonly ElaboratedTrain[];
}
