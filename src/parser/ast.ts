/**
 * @file The Grove abstract syntax tree. Every node carries the span of the source it came from.
 * Produced by `parse.ts`, consumed by `check/`. Plain data, no methods; `childrenOf` is the one
 * walk over an expression's sub-expressions.
 */
import type { Span } from "../diag/diagnostic.js";

export interface Ident {
  readonly name: string;
  readonly span: Span;
}

// ---------------------------------------------------------------- expressions

export type Expr =
  | NumberLit
  | StringLit
  | NameRef
  | ListExpr
  | UnaryExpr
  | BinaryExpr
  | CallExpr
  | MemberExpr
  | TupleExpr
  | PipeExpr
  | ErrorExpr;

export interface NumberLit {
  readonly kind: "number";
  readonly value: number;
  /** True when written without a fraction or exponent (`3`, not `3.0` or `3e0`). */
  readonly isInt: boolean;
  readonly text: string;
  readonly span: Span;
}

export interface StringLit {
  readonly kind: "string";
  readonly value: string;
  readonly span: Span;
}

export interface NameRef {
  readonly kind: "name";
  readonly name: string;
  readonly span: Span;
}

export interface ListExpr {
  readonly kind: "list";
  readonly items: readonly Expr[];
  /**
   * Names given to items written `name = value`, by position (only a train section's `metrics`
   * list may have them: `[acc = accuracy(logits, label)]`); absent when no item is named.
   */
  readonly labels?: readonly (Ident | undefined)[];
  readonly span: Span;
}

export type UnaryOp = "-";

export interface UnaryExpr {
  readonly kind: "unary";
  readonly op: UnaryOp;
  readonly operand: Expr;
  readonly opSpan: Span;
  readonly span: Span;
}

export type BinaryOp =
  "+" | "-" | "*" | "/" | "%" | "^" | "@" | "<" | "<=" | ">" | ">=" | "==" | "!=";

export interface BinaryExpr {
  readonly kind: "binary";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly opSpan: Span;
  readonly span: Span;
}

export interface Arg {
  /** Present for named arguments (`lr: 1e-3`). */
  readonly name?: Ident;
  readonly value: Expr;
  readonly span: Span;
}

export interface CallExpr {
  readonly kind: "call";
  readonly callee: Expr;
  readonly args: readonly Arg[];
  /** Span of the parenthesised argument list. */
  readonly argsSpan: Span;
  readonly span: Span;
}

/** `object.member`: `l1.w`, `blocks.0` (a copy of a stack), `blocks.0.attn.q.w`. */
export interface MemberExpr {
  readonly kind: "member";
  readonly object: Expr;
  /** The name after the dot, or the digits of a copy's index. */
  readonly member: Ident;
  readonly span: Span;
}

/** `(a, b)`: several results, the same value as the list `[a, b]`. */
export interface TupleExpr {
  readonly kind: "tuple";
  readonly items: readonly Expr[];
  readonly span: Span;
}

/** `value |> target`: `target(value)`, or with `target = f(a, b)`, `f(value, a, b)`. */
export interface PipeExpr {
  readonly kind: "pipe";
  readonly value: Expr;
  readonly target: Expr;
  readonly opSpan: Span;
  readonly span: Span;
}

/** Stands in for an expression the parser could not read; checking skips it silently. */
export interface ErrorExpr {
  readonly kind: "error";
  readonly span: Span;
}

/** The sub-expressions of `e`, in source order (a call's callee, then its argument values). */
export function childrenOf(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case "unary":
      return [e.operand];
    case "binary":
      return [e.left, e.right];
    case "call":
      return [e.callee, ...e.args.map((a) => a.value)];
    case "pipe":
      return [e.value, e.target];
    case "member":
      return [e.object];
    case "list":
    case "tuple":
      return e.items;
    case "number":
    case "string":
    case "name":
    case "error":
      return [];
  }
}

// ---------------------------------------------------------------- shapes

/** A dimension expression: `N`, `784`, `4 * dim`, `(a + b) / 2`. */
export type DimExpr =
  | { readonly kind: "int"; readonly value: number; readonly span: Span }
  | { readonly kind: "dim-name"; readonly name: string; readonly span: Span }
  | {
      readonly kind: "dim-binary";
      readonly op: "+" | "-" | "*" | "/";
      readonly left: DimExpr;
      readonly right: DimExpr;
      readonly span: Span;
    }
  /** `...` in a forward signature: any number of leading dimensions, passed through. */
  | { readonly kind: "ellipsis"; readonly span: Span }
  | { readonly kind: "dim-error"; readonly span: Span };

/** `[N, 784]` or `i32[N]`. `dtype` is absent when not written (f32 is assumed). */
export interface TypeExpr {
  readonly dtype?: Ident;
  readonly dims: readonly DimExpr[];
  readonly span: Span;
}

// ---------------------------------------------------------------- declarations

export interface ParamDef {
  readonly name: Ident;
  readonly default?: Expr;
  readonly span: Span;
}

/** What a `{ ... }` body holds before its result. */
export type BodyItem = Binding | Destructure | AssertDecl | UpdateDecl;

/**
 * `assert dim % heads == 0, "heads must divide dim"`: a condition on numbers known when
 * checking (a block's or function's arguments), checked where it stands; when it is false the
 * error points at the call that gave the arguments (G0707).
 */
export interface AssertDecl {
  readonly kind: "assert";
  readonly condition: Expr;
  readonly message?: StringLit;
  readonly span: Span;
}

/** `= expr` or `{ a = ...  b = ...  result }`. */
export interface Body {
  readonly bindings: readonly BodyItem[];
  readonly result: Expr;
  readonly span: Span;
}

export interface ImportDecl {
  readonly kind: "import";
  readonly path: StringLit;
  readonly span: Span;
}

export interface FnDecl {
  readonly kind: "fn";
  readonly name: Ident;
  readonly params: readonly ParamDef[];
  readonly body: Body;
  readonly span: Span;
}

/** `param w: [in, out] ~ glorot_uniform` */
export interface ParamDecl {
  readonly kind: "param";
  readonly name: Ident;
  readonly type: TypeExpr;
  /** The initializer expression after `~` (a name or a call). */
  readonly init?: Expr;
  readonly span: Span;
}

/**
 * `state running_mean: [dim] ~ zeros`: a tensor the instance keeps from one training step to the
 * next (running statistics). It is not trained: no gradient, no optimizer. `state` is a word
 * only here (before a name and `:`); elsewhere it is an ordinary name.
 */
export interface StateDecl {
  readonly kind: "state";
  readonly name: Ident;
  readonly type: TypeExpr;
  /** The initializer expression after `~` (a name or a call). */
  readonly init?: Expr;
  readonly span: Span;
}

/**
 * `update running_mean = expr`: the state's value after a training step (a forward body or a
 * model). Reads of the state within the step see the old value; evaluation ignores updates.
 * `update` is a word only here (before a name and `=`).
 */
export interface UpdateDecl {
  readonly kind: "update";
  readonly name: Ident;
  readonly value: Expr;
  readonly span: Span;
}

/**
 * `name = expr`. Binds whatever the expression evaluates to: a block call such as
 * `l1 = Dense(784, 256, gelu)` makes a named sub-block instance (its parameters are named
 * `l1.w`, `l1.b`); anything else binds a value (a tensor, a number, a function).
 */
export interface Binding {
  readonly kind: "bind";
  readonly name: Ident;
  readonly value: Expr;
  readonly span: Span;
}

/**
 * `(mu, logvar) = encoder(x)`: binds each name to one of several results (a tuple or a list of
 * exactly as many items). In a model, `output (mu, logvar) = ...` makes each name an output.
 */
export interface Destructure {
  readonly kind: "destructure";
  readonly names: readonly Ident[];
  readonly value: Expr;
  readonly output: boolean;
  readonly span: Span;
}

export interface ForwardInput {
  readonly name: Ident;
  readonly type: TypeExpr;
  readonly span: Span;
}

export interface ForwardDecl {
  readonly kind: "forward";
  readonly inputs: readonly ForwardInput[];
  readonly output?: TypeExpr;
  /** `-> ([N, d], [N, d])`: the types of several results (then `output` is absent). */
  readonly results?: readonly TypeExpr[];
  readonly body: Body;
  readonly span: Span;
  /** Span of the `forward` keyword. */
  readonly keywordSpan: Span;
}

export type BlockMember =
  ParamDecl | StateDecl | Binding | ForwardDecl | Destructure | AssertDecl | UpdateDecl;

export interface BlockDecl {
  readonly kind: "block";
  readonly name: Ident;
  readonly params: readonly ParamDef[];
  readonly members: readonly BlockMember[];
  readonly span: Span;
}

/** `input image: [N, 784]` */
export interface InputDecl {
  readonly kind: "input";
  readonly name: Ident;
  readonly type: TypeExpr;
  readonly span: Span;
}

/** `output logits = image |> l1 |> l2` */
export interface OutputDecl {
  readonly kind: "output";
  readonly name: Ident;
  readonly value: Expr;
  readonly span: Span;
}

export type ModelMember =
  InputDecl | Binding | OutputDecl | ParamDecl | StateDecl | Destructure | AssertDecl | UpdateDecl;

export interface ModelDecl {
  readonly kind: "model";
  readonly name: Ident;
  readonly members: readonly ModelMember[];
  readonly span: Span;
}

/** `optimizer = adamw(lr: 1e-3)` inside a train section. */
export interface TrainSetting {
  readonly key: Ident;
  readonly value: Expr;
  readonly span: Span;
}

export interface TrainDecl {
  readonly kind: "train";
  readonly model: Ident;
  readonly settings: readonly TrainSetting[];
  readonly span: Span;
}

export type Decl = ImportDecl | FnDecl | BlockDecl | ModelDecl | TrainDecl;

export interface Program {
  readonly file: string;
  readonly decls: readonly Decl[];
  readonly span: Span;
}
