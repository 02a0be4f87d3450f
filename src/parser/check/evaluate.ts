/**
 * @file The checker's evaluator: runs a model's Grove code at compile time over abstract values.
 * Functions and blocks are inlined, shapes are computed symbolically, and every primitive
 * application is recorded as a trace node. User mistakes become diagnostics and poison values,
 * never exceptions. The evaluator is the hub: it owns the trace, the diagnostics' context, the
 * instance path and what is being inlined (its limits in `budget.ts`), evaluates expressions and
 * bodies, and dispatches calls. The helpers next to it take a narrow interface it implements:
 * calls (`calls.ts`), declarations (`declare.ts`), types and dimensions (`type-match.ts`),
 * builtins (`builtins/`), `repeat` and stacks (`repeat.ts`), members (`access.ts`), `assert`
 * (`asserts.ts`) and `update` (`state.ts`).
 */
import { makeDiagnostic, type DiagnosticInit, type Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import type { ArgV } from "./builtins/index.js";
import { operatorBuiltins } from "./builtins/operators.js";
import {
  applyBuiltin,
  callFn,
  callInstance,
  construct,
  type CallArg,
  type CallCtx,
} from "./calls.js";
import { declareInput, declarePersistent } from "./declare.js";
import { dimConst, dimValue, type Dim } from "./dims.js";
import { callStack, evalRepeat } from "./repeat.js";
import { destructure, evalMember } from "./access.js";
import { checkAssert } from "./asserts.js";
import { Budget } from "./budget.js";
import { evalUpdate, type RecordedUpdate } from "./state.js";
import type { DiagnosticSink } from "./sink.js";
import { constantProblem, shapeProblem } from "./ranges.js";
import { didYouMean } from "./suggest.js";
import {
  describeKind,
  poison,
  type DType,
  type Graph,
  type InputInfo,
  type ParamInfo,
  Scope,
  type Tensor,
  type TraceAttrs,
  type TraceNode,
  type TraceNodeOf,
  type TraceOp,
  type Value,
} from "./values.js";

export class Evaluator implements CallCtx {
  readonly nodes: TraceNode[] = [];
  readonly params: ParamInfo[] = [];
  /** `state` tensors, named like parameters (`bn1.running_mean`). */
  readonly states: ParamInfo[] = [];
  /** `update` statements met, in order: each state's value after a training step. */
  readonly updates: RecordedUpdate[] = [];
  /** G0418 reported for these calls (`path@file:offset`). */
  readonly twiceReported = new Set<string>();
  readonly inputs: InputInfo[] = [];
  private path = "";
  /** What diagnostics raised now are inside of (a copy of a stack), innermost last. */
  private readonly contexts: Context[] = [];
  /** What is being inlined, innermost last, for `assert` messages (`` `l1` (Dense) ``). */
  private readonly frames: string[] = [];
  /** What is open (calls, expressions) and how many copies and steps were made. */
  private readonly budget = new Budget(this);

  constructor(
    readonly globals: Scope,
    private readonly sink: DiagnosticSink,
  ) {}

  /** The trace recorded so far, with `outputs` as its outputs. */
  graph(outputs: Graph["outputs"]): Graph {
    const { nodes, inputs, params, states: state, updates } = this;
    return { nodes, inputs, params, state, updates, outputs };
  }

  // ------------------------------------------------------------ Ctx

  report(init: DiagnosticInit): Value {
    if (!this.sink.accepts(init.span.file)) {
      this.sink.drop(init.span.file, init.span.start);
      return poison;
    }
    const site = this.budget.callSites[0];
    const extra =
      site && site.file !== init.span.file
        ? [{ span: site, message: "in the code called from here" }]
        : [];
    const inner = this.contexts[this.contexts.length - 1];
    const context = inner ? [{ span: inner.span, message: inner.label }] : [];
    const notes = this.contexts.map((c) => c.note).reverse();
    this.sink.add(
      makeDiagnostic({
        ...init,
        secondary: [...(init.secondary ?? []), ...extra, ...context],
        ...(notes.length > 0 ? { notes: [...(init.notes ?? []), ...notes] } : {}),
      }),
    );
    return poison;
  }

  /**
   * The innermost call being inlined that was written in a file other than `file` (where a
   * standard-library block's caller is), else the innermost call; undefined outside calls.
   */
  callerSpan(file: string): Span | undefined {
    const sites = this.budget.callSites;
    for (let i = sites.length - 1; i >= 0; i--) if (sites[i]!.file !== file) return sites[i];
    return sites[sites.length - 1];
  }

  /** `assert` in the code being inlined now; false when it failed (reported). */
  assertHolds(a: A.AssertDecl, scope: Scope): boolean {
    return checkAssert(this, a, scope, this.frames[this.frames.length - 1] ?? "the model");
  }

  /** Runs `fn` as the code `what` of the instance at `path` (for trace scopes and `assert`). */
  inside<T>(what: string, path: string | undefined, fn: () => T): T {
    const saved = this.path;
    if (path !== undefined) this.path = path;
    this.frames.push(what);
    try {
      return fn();
    } finally {
      this.frames.pop();
      this.path = saved;
    }
  }

  /** Runs `fn` with `context` added to every diagnostic it raises. */
  within<T>(context: Context, fn: () => T): T {
    this.contexts.push(context);
    try {
      return fn();
    } finally {
      this.contexts.pop();
    }
  }

  takeSteps(n: number, span: Span): boolean {
    return this.budget.takeSteps(n, span);
  }

  /** Calls a value as `callee(args)` does (for `scan`'s cell). */
  invoke(callee: Value, args: readonly CallArg[], span: Span, calleeSpan: Span): Value {
    return this.call(callee, [...args], span, calleeSpan, false);
  }

  takeCopies(n: number, span: Span): boolean {
    return this.budget.takeCopies(n, span);
  }

  emit<P extends TraceOp>(
    op: P,
    inputs: readonly Tensor[],
    attrs: TraceAttrs[P],
    dtype: DType,
    shape: readonly Dim[],
    origins: readonly Span[],
    span: Span,
  ): Value {
    const problem = shapeProblem(shape);
    if (problem) return this.report({ ...problem, span });
    const id = this.nodes.length;
    const node: TraceNodeOf<P> = {
      id,
      op,
      inputs: inputs.map((t) => t.node),
      attrs,
      dtype,
      shape,
      span,
      scope: this.path,
    };
    // A node of op P is one member of the TraceNode union; TypeScript cannot tell for a generic P.
    this.nodes.push(node as TraceNode);
    return { kind: "tensor", t: { node: id, dtype, shape, origins } };
  }

  /** A scalar constant; reports G0112 and returns undefined when `dtype` cannot hold it. */
  constant(value: number | Dim, dtype: DType, span: Span): Tensor | undefined {
    const problem = typeof value === "number" ? constantProblem(value, dtype) : undefined;
    if (problem) {
      this.report({ ...problem, span });
      return undefined;
    }
    const v = this.emit("const", [], { value }, dtype, [], [], span);
    return v.kind === "tensor" ? v.t : undefined;
  }

  /** A tensor from a tensor or a number (a scalar constant); reports and returns undefined otherwise. */
  tensorOf(a: ArgV, what: string, dtype: DType = "f32"): Tensor | undefined {
    const v = a.value;
    if (v.kind === "tensor") return v.t;
    if (v.kind === "float") return this.constant(v.value, dtype, a.span);
    if (v.kind === "int") return this.constant(dimValue(v.dim) ?? v.dim, dtype, a.span);
    if (v.kind === "bool") return this.constant(v.value ? 1 : 0, dtype, a.span);
    if (v.kind !== "poison")
      this.report({
        code: "G0204",
        message: `${what} expects a tensor or a number, but this is ${describeKind(v)}`,
        span: a.span,
        label: `this is ${describeKind(v)}`,
      });
    return undefined;
  }

  // ------------------------------------------------------------ expressions

  /**
   * Evaluates an expression. Left-associative chains are walked in a loop (`evalChain`); other
   * nesting counts against `limits.evalDepth` together with the calls being inlined (G0706).
   */
  evalExpr(e: A.Expr, scope: Scope): Value {
    if (!this.budget.descend(e.span)) return poison;
    try {
      return this.evalNode(e, scope);
    } finally {
      this.budget.ascend();
    }
  }

  private evalNode(e: A.Expr, scope: Scope): Value {
    switch (e.kind) {
      case "number":
        return e.isInt && Number.isSafeInteger(e.value)
          ? { kind: "int", dim: dimConst(e.value), origin: e.span }
          : { kind: "float", value: e.value, origin: e.span };
      case "string":
        return { kind: "string", value: e.value, span: e.span };
      case "name":
        return this.lookup(e.name, e.span, scope);
      case "list":
      case "tuple": {
        const items = e.items.map((i) => this.evalExpr(i, scope));
        return { kind: "list", items, spans: e.items.map((i) => i.span) };
      }
      case "unary": {
        const v = this.evalExpr(e.operand, scope);
        return applyBuiltin(this, "neg", [{ value: v, span: e.operand.span }], e.span, e.opSpan);
      }
      case "binary":
      case "call":
      case "pipe":
      case "member":
        return this.evalChain(e, scope);
      case "error":
        return poison;
    }
  }

  /**
   * `a + b - c`, `x |> f |> g` and `f(a)(b)` nest to the left: the leftmost operand is evaluated
   * first, then each link in a loop, so a chain of any length uses no more stack than one link.
   */
  private evalChain(top: Link, scope: Scope): Value {
    const links: Link[] = [];
    let e: A.Expr = top;
    for (; isLink(e); e = linkBase(e)) links.push(e);
    let v = this.evalExpr(e, scope);
    for (let i = links.length - 1; i >= 0; i--) v = this.applyLink(links[i]!, v, scope);
    return v;
  }

  private applyLink(link: Link, left: Value, scope: Scope): Value {
    if (link.kind === "binary") return this.binary(link, left, this.evalExpr(link.right, scope));
    if (link.kind === "pipe") return this.pipe(link, left, scope);
    if (link.kind === "member") return evalMember(this, link, left);
    const args = this.evalArgs(link.args, scope);
    return this.call(left, args, link.span, link.callee.span, false);
  }

  /** Whether a diagnostic at `span` would be kept: suggestions are only worth computing then. */
  reporting(span: Span): boolean {
    return this.sink.accepts(span.file);
  }

  private lookup(name: string, span: Span, scope: Scope): Value {
    const v = scope.get(name);
    if (v) return v;
    if (!this.reporting(span)) return this.report({ code: "G0201", message: "", span });
    const hint = scope.unknownHint(name);
    const help = hint?.help ?? didYouMean(name, scope.allNames());
    return this.report({
      code: "G0201",
      message: `unknown name \`${name}\``,
      span,
      label: "not found in this scope",
      ...(hint ? { notes: hint.notes } : {}),
      ...(help ? { help } : {}),
    });
  }

  evalArgs(args: readonly A.Arg[], scope: Scope): CallArg[] {
    return args.map((a) => ({
      ...(a.name ? { name: a.name } : {}),
      value: this.evalExpr(a.value, scope),
      span: a.value.span,
    }));
  }

  private binary(e: A.BinaryExpr, l: Value, r: Value): Value {
    const name = operatorBuiltins[e.op];
    return applyBuiltin(
      this,
      name,
      [
        { value: l, span: e.left.span },
        { value: r, span: e.right.span },
      ],
      e.span,
      e.opSpan,
    );
  }

  /** `x |> f` is `f(x)`; `x |> f(a)` is `f(x, a)`; `value` is `x`, already evaluated. */
  private pipe(e: A.PipeExpr, value: Value, scope: Scope): Value {
    const first: CallArg = { value, span: e.value.span };
    if (e.target.kind === "call") {
      const callee = this.evalExpr(e.target.callee, scope);
      const args = this.evalArgs(e.target.args, scope);
      return this.call(callee, [first, ...args], e.span, e.target.callee.span, false);
    }
    const callee = this.evalExpr(e.target, scope);
    return this.call(callee, [first], e.span, e.target.span, false);
  }

  // ------------------------------------------------------------ calls

  /**
   * Calls `callee` inline (see `calls.ts`, and `repeat.ts` for stacks). `named` says the call is
   * bound to a name (`path`), which a block call needs: it makes an instance there.
   */
  call(
    callee: Value,
    args: CallArg[],
    span: Span,
    calleeSpan: Span,
    named: boolean,
    path = "",
  ): Value {
    switch (callee.kind) {
      case "poison":
        return poison;
      case "builtin":
        return applyBuiltin(this, callee.name, args, span, calleeSpan);
      case "fn":
        return callFn(this, callee.decl, args, span);
      case "instance":
        return callInstance(this, callee.inst, args, span);
      case "stack":
        return callStack(this, callee.stack, args, span);
      case "repeat":
        return this.report({
          code: "G0704",
          message: "`repeat` makes layers, so it must be bound to a name",
          span,
          label: "the copies' parameters need a name",
          help: "declare it as a member, e.g. `blocks = repeat(4, Dense(256, 256))`, then write `x |> blocks`",
        });
      case "block":
        if (!named)
          return this.report({
            code: "G0704",
            message: `the block \`${callee.decl.name.name}\` must be bound to a name before it is used`,
            span,
            label: "a block call creates parameters, which need a name",
            help: `declare it as a member, e.g. \`layer = ${callee.decl.name.name}(...)\`, then call \`layer(x)\` or write \`x |> layer\``,
          });
        return construct(this, callee.decl, args, span, path);
      default:
        return this.report({
          code: "G0204",
          message: `${describeKind(callee)} is not callable`,
          span: calleeSpan,
          label: `this is ${describeKind(callee)}`,
          ...(callee.kind === "model"
            ? {
                help: "a model is a whole program and cannot be used inside another; write the shared layers as a `block`",
              }
            : {}),
        });
    }
  }

  openCall(span: Span, decl?: A.FnDecl | A.BlockDecl): boolean {
    return this.budget.openCall(span, decl);
  }

  closeCall(): void {
    this.budget.closeCall();
  }

  // ------------------------------------------------------------ bodies and bindings

  /**
   * A body's bindings in order, then its result. `forward` says the body is a forward's, whose
   * `update`s apply (a function's were reported).
   */
  evalBody(body: A.Body, scope: Scope, forward = false): Value {
    const local = new Scope(scope);
    for (const b of body.bindings) {
      if (b.kind === "destructure") this.bindAll(b, this.evalExpr(b.value, local), local);
      else if (b.kind === "update") {
        if (forward) this.evalUpdate(b, local);
      } else if (b.kind === "assert") {
        if (!this.assertHolds(b, local)) return poison;
      } else local.set(b.name.name, this.evalExpr(b.value, local));
    }
    return this.evalExpr(body.result, local);
  }

  /** `(a, b) = value`: binds each name in `scope`; returns the values bound. */
  bindAll(d: A.Destructure, value: Value, scope: Scope): Value[] {
    const values = destructure(this, d, value);
    d.names.forEach((n, i) => scope.set(n.name, values[i]!));
    return values;
  }

  /** `name = expr` in a block or model: a block call makes a named instance. */
  evalBinding(b: A.Binding, scope: Scope, prefix: string): Value {
    const path = prefix ? `${prefix}.${b.name.name}` : b.name.name;
    if (b.value.kind === "call") {
      const callee = this.evalExpr(b.value.callee, scope);
      if (callee.kind === "repeat") return evalRepeat(this, b.value, scope, path);
      const args = this.evalArgs(b.value.args, scope);
      return this.call(callee, args, b.value.span, b.value.callee.span, true, path);
    }
    return this.evalExpr(b.value, scope);
  }

  // ------------------------------------------------------------ declarations

  /** A `param` or `state` member (see `declare.ts`). */
  declarePersistent(p: A.ParamDecl | A.StateDecl, scope: Scope, prefix: string): Value {
    return declarePersistent(this, p, scope, prefix);
  }

  /** `update name = value` here (the instance or model at `path`): see `check/state.ts`. */
  evalUpdate(u: A.UpdateDecl, scope: Scope): void {
    evalUpdate(this, u, scope, this.path);
  }

  /** A model input (see `declare.ts`). */
  declareInput(decl: A.InputDecl, scope: Scope, preset: (name: string) => Dim | undefined): Value {
    return declareInput(this, decl, scope, preset);
  }
}

/** A frame of `Evaluator.contexts`: a note and a label for diagnostics raised inside it. */
export interface Context {
  readonly note: string;
  readonly span: Span;
  readonly label: string;
}

/** A link of a left-associative chain; its base (the left side) is evaluated first. */
type Link = A.BinaryExpr | A.PipeExpr | A.CallExpr | A.MemberExpr;

function isLink(e: A.Expr): e is Link {
  return e.kind === "binary" || e.kind === "pipe" || e.kind === "call" || e.kind === "member";
}

function linkBase(e: Link): A.Expr {
  switch (e.kind) {
    case "binary":
      return e.left;
    case "pipe":
      return e.value;
    case "call":
      return e.callee;
    case "member":
      return e.object;
  }
}
