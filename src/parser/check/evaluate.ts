/**
 * @file The checker's evaluator: runs a model's Grove code at compile time over abstract values.
 * Functions and blocks are inlined, shapes are computed symbolically, and every primitive
 * application is recorded as a trace node. User mistakes become diagnostics and poison values,
 * never exceptions.
 * Over 500 lines: argument binding has moved to the shared binder (schema.ts); the evaluation of
 * calls, blocks and models is still here, to be split by kind (issue 16 point 3's op tables).
 */
import {
  makeDiagnostic,
  type Diagnostic,
  type DiagnosticInit,
  type Span,
} from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import { builtinRules, type ArgV, type Ctx } from "./builtins/index.js";
import {
  dimAdd,
  dimConst,
  dimDiv,
  dimEq,
  dimMul,
  dimSub,
  dimSym,
  dimToString,
  dimValue,
  type Dim,
} from "./dims.js";
import { initializerRules } from "./initializers.js";
import { callStack, evalRepeat } from "./repeat.js";
import { destructure, evalMember } from "./access.js";
import { checkAssert } from "./asserts.js";
import { evalUpdate, type RecordedUpdate } from "./state.js";
import { limits } from "../limits.js";
import { own } from "./own.js";
import { tooManyErrors } from "../parse.js";
import { constantProblem, dimProblem, dimRangeProblem, shapeProblem, tooLarge } from "./ranges.js";
import { formatShape, formatType, originLabels } from "./shapes.js";
import { didYouMean } from "./suggest.js";
import { bindArgs, paramList, type SchemaParam } from "./schema.js";
import {
  describeKind,
  poison,
  Scope,
  type DType,
  type InputInfo,
  type Instance,
  type ParamInfo,
  type Tensor,
  type TraceAttrs,
  type TraceNode,
  type TraceNodeOf,
  type TraceOp,
  type Value,
} from "./values.js";

/**
 * Collects diagnostics, dropping exact repeats (a block used twice reports its error once) and
 * keeping at most `limits.errorsPerFile` errors per file; the first one dropped gets a G0113.
 */
export class DiagnosticSink {
  private readonly kept: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  private readonly errors = new Map<string, number>();
  /** Per file, where the first error that was not kept is. */
  private readonly dropped = new Map<string, number>();

  add(d: Diagnostic): void {
    const p = d.labels[0]?.span;
    const file = p?.file ?? "";
    if (d.severity === "error" && !this.accepts(file)) return this.drop(file, p?.start ?? 0);
    const key = `${d.code}|${file}|${p?.start}|${p?.end}|${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (d.severity === "error") this.errors.set(file, (this.errors.get(file) ?? 0) + 1);
    this.kept.push(d);
  }

  /**
   * Whether another error in `file` would still be reported. Callers skip building a
   * diagnostic (and its suggestion) that would be dropped, and call `drop` instead.
   */
  accepts(file: string): boolean {
    return (this.errors.get(file) ?? 0) < limits.errorsPerFile;
  }

  drop(file: string, at: number): void {
    if (!this.dropped.has(file)) this.dropped.set(file, at);
  }

  /** The diagnostics kept, then one G0113 per file that had more errors. */
  get list(): Diagnostic[] {
    const notes = [...this.dropped].map(([file, at]) => tooManyErrors(file, at));
    return [...this.kept, ...notes];
  }
}

export interface CallArg {
  readonly name?: A.Ident;
  readonly value: Value;
  readonly span: Span;
}

export class Evaluator implements Ctx {
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
  private readonly callSites: Span[] = [];
  private readonly active: (A.FnDecl | A.BlockDecl)[] = [];
  /** Expressions being evaluated inside one another, across inlined calls. */
  private depth = 0;
  /** G0706 for depth was reported and the evaluation is unwinding. */
  private unwinding = false;
  /** What diagnostics raised now are inside of (a copy of a stack), innermost last. */
  private readonly contexts: Context[] = [];
  /** Copies `repeat` has made so far in this evaluation, nested repeats included. */
  private copies = 0;
  /** Steps `scan` has unrolled so far in this evaluation, nested scans included. */
  private steps = 0;
  /** What is being inlined, innermost last, for `assert` messages (`` `l1` (Dense) ``). */
  private readonly frames: string[] = [];

  constructor(
    readonly globals: Scope,
    private readonly sink: DiagnosticSink,
  ) {}

  // ------------------------------------------------------------ Ctx

  report(init: DiagnosticInit): Value {
    if (!this.sink.accepts(init.span.file)) {
      this.sink.drop(init.span.file, init.span.start);
      return poison;
    }
    const site = this.callSites[0];
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
    for (let i = this.callSites.length - 1; i >= 0; i--)
      if (this.callSites[i]!.file !== file) return this.callSites[i];
    return this.callSites[this.callSites.length - 1];
  }

  /** `assert` in the code being inlined now; false when it failed (reported). */
  assertHolds(a: A.AssertDecl, scope: Scope): boolean {
    return checkAssert(this, a, scope, this.frames[this.frames.length - 1] ?? "the model");
  }

  /** Runs `fn` with `what` as the code being inlined (for `assert` messages). */
  private inFrame<T>(what: string, fn: () => T): T {
    this.frames.push(what);
    try {
      return fn();
    } finally {
      this.frames.pop();
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

  /** Counts `n` more steps unrolled by `scan`; reports G0412 beyond `limits.steps` in all. */
  takeSteps(n: number, span: Span): boolean {
    this.steps += n;
    if (this.steps <= limits.steps) return true;
    this.report({
      code: "G0412",
      message: `\`scan\` unrolls more than ${limits.steps} steps in this model`,
      span,
      label: `${this.steps} steps in all so far`,
      notes: [
        `each step inlines the cell once; nested scans multiply, and a model may unroll at most ${limits.steps} steps in all`,
      ],
    });
    return false;
  }

  /** Calls a value as `callee(args)` does (for `scan`'s cell). */
  invoke(callee: Value, args: readonly CallArg[], span: Span, calleeSpan: Span): Value {
    return this.call(callee, [...args], span, calleeSpan, false);
  }

  /** Counts `n` more copies made by `repeat`; reports G0412 beyond `limits.copies` in all. */
  takeCopies(n: number, span: Span): boolean {
    this.copies += n;
    if (this.copies <= limits.copies) return true;
    this.report({
      code: "G0412",
      message: `\`repeat\` makes more than ${limits.copies} copies in this model`,
      span,
      label: `${this.copies} copies in all so far`,
      notes: [`nested repeats multiply; a model may have at most ${limits.copies} copies in all`],
    });
    return false;
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
    if (this.depth >= limits.evalDepth) return this.tooDeep(e);
    this.depth++;
    try {
      return this.evalNode(e, scope);
    } finally {
      this.depth--;
      if (this.depth === 0) this.unwinding = false;
    }
  }

  /** G0706, once per top-level expression: its siblings at the same depth stay silent. */
  private tooDeep(e: A.Expr): Value {
    if (this.unwinding) return poison;
    this.unwinding = true;
    return this.report({
      code: "G0706",
      message: `nesting too deep once functions are inlined: more than ${limits.evalDepth} levels`,
      span: e.span,
      label: "too deep here",
      notes: [
        `expressions and calls may be open inside one another at most ${limits.evalDepth} levels deep while Grove inlines them`,
      ],
      help: "name intermediate results, or call functions one after another instead of inside one another",
    });
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
        return this.applyBuiltin("neg", [{ value: v, span: e.operand.span }], e.span, e.opSpan);
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
    const name = binaryBuiltins[e.op];
    return this.applyBuiltin(
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

  call(
    callee: Value,
    args: CallArg[],
    span: Span,
    calleeSpan: Span,
    construct: boolean,
    path = "",
  ): Value {
    switch (callee.kind) {
      case "poison":
        return poison;
      case "builtin":
        return this.applyBuiltin(callee.name, args, span, calleeSpan);
      case "fn":
        return this.callFn(callee.decl, args, span);
      case "instance":
        return this.callInstance(callee.inst, args, span);
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
        if (!construct)
          return this.report({
            code: "G0704",
            message: `the block \`${callee.decl.name.name}\` must be bound to a name before it is used`,
            span,
            label: "a block call creates parameters, which need a name",
            help: `declare it as a member, e.g. \`layer = ${callee.decl.name.name}(...)\`, then call \`layer(x)\` or write \`x |> layer\``,
          });
        return this.construct(callee.decl, args, span, path);
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

  /** Matches arguments to parameters by position and name. Undefined after reporting a mistake. */
  private bindArgs(
    what: string,
    params: readonly SchemaParam[],
    args: readonly CallArg[],
    span: Span,
  ): Map<string, ArgV> | undefined {
    const notes = [`parameters: ${paramList(params) || "none"}`];
    return bindArgs(
      params,
      args,
      span,
      {
        positional: params,
        positionalAfterNamed: () => ({
          message: `positional argument after a named one in the call to ${what}`,
          label: "give this argument a name too",
        }),
        stopAt: "surplus",
        missing: "first-if-clean",
        surplus: (count) => ({
          message: `${what} takes ${params.length} argument${params.length === 1 ? "" : "s"} but ${count} were given`,
          label: "unexpected argument",
          notes,
        }),
        unknown: (name, help) => ({
          message: `${what} has no parameter named \`${name}\``,
          label: "unknown parameter",
          notes,
          ...(help ? { help } : {}),
        }),
        twice: (name, first) => ({
          message: `argument \`${name}\` is given twice in the call to ${what}`,
          label: "second value",
          secondary: [{ span: first, message: "first value" }],
        }),
        missingParam: (name) => ({
          message: `missing argument \`${name}\` in the call to ${what}`,
          label: `\`${name}\` is required`,
        }),
      },
      (d) => this.report(d),
    );
  }

  applyBuiltin(name: string, args: CallArg[], span: Span, calleeSpan: Span): Value {
    const rule = own(builtinRules, name);
    if (!rule)
      return this.report({
        code: "G9999",
        message: `no rule for builtin ${name}`,
        span,
      });
    const bound = this.bindArgs(`\`${name}\``, rule.params, args, span);
    if (!bound) return poison;
    for (const a of bound.values()) if (a.value.kind === "poison") return poison;
    return rule.apply(this, bound, { span, calleeSpan, name });
  }

  private enter(decl: A.FnDecl | A.BlockDecl, span: Span): boolean {
    if (this.active.includes(decl)) {
      this.report({
        code: "G0705",
        message: `\`${decl.name.name}\` uses itself: recursion cannot be inlined`,
        span,
        label: "recursive use",
        secondary: [{ span: decl.name.span, message: "defined here" }],
        help: "Grove inlines every function and block; write the repetition out",
      });
      return false;
    }
    if (!this.callRoom(span)) return false;
    this.active.push(decl);
    this.callSites.push(span);
    this.depth += callWeight;
    return true;
  }

  /** Reports G0706 when another inlined call would go deeper than `limits.callDepth`. */
  private callRoom(span: Span): boolean {
    if (this.callSites.length < limits.callDepth) return true;
    this.report({
      code: "G0706",
      message: `calls nested too deeply: more than ${limits.callDepth} calls inside one another`,
      span,
      label: `call ${limits.callDepth + 1} in the chain`,
      notes: [
        `Grove inlines every function, block and layer call; at most ${limits.callDepth} may be open inside one another`,
      ],
      help: "call the functions one after another instead of each calling the next",
    });
    return false;
  }

  private leave(): void {
    this.active.pop();
    this.callSites.pop();
    this.depth -= callWeight;
  }

  /** Binds parameters (defaults are evaluated in the callee's scope, after earlier parameters). */
  private bindScope(
    what: string,
    defs: readonly A.ParamDef[],
    args: CallArg[],
    span: Span,
  ): Scope | undefined {
    const specs = defs.map((p) => ({
      name: p.name.name,
      required: p.default === undefined,
    }));
    const bound = this.bindArgs(what, specs, args, span);
    if (!bound) return undefined;
    const scope = new Scope(this.globals);
    for (const p of defs) {
      const a = bound.get(p.name.name);
      scope.set(p.name.name, a ? a.value : this.evalExpr(p.default!, scope));
    }
    return scope;
  }

  private callFn(decl: A.FnDecl, args: CallArg[], span: Span): Value {
    if (!this.enter(decl, span)) return poison;
    try {
      const scope = this.bindScope(`\`${decl.name.name}\``, decl.params, args, span);
      if (!scope) return poison;
      return this.inFrame(`\`${decl.name.name}\``, () => this.evalBody(decl.body, scope));
    } finally {
      this.leave();
    }
  }

  /** `forward` says the body is a forward's, whose `update`s apply (a function's were reported). */
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

  // ------------------------------------------------------------ blocks and instances

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

  /** A new instance of `decl` named `path`: its parameters and members, evaluated in order. */
  construct(decl: A.BlockDecl, args: CallArg[], span: Span, path: string): Value {
    if (!this.enter(decl, span)) return poison;
    const saved = this.path;
    try {
      const scope = this.bindScope(`\`${decl.name.name}\``, decl.params, args, span);
      if (!scope) return poison;
      const inst: Instance = { decl, path, scope, span };
      this.path = path;
      return this.inFrame(`\`${path}\` (${decl.name.name})`, (): Value => {
        for (const m of decl.members) {
          if (m.kind === "param") scope.set(m.name.name, this.declareParam(m, scope, path));
          else if (m.kind === "state") scope.set(m.name.name, this.declareState(m, scope, path));
          else if (m.kind === "bind") scope.set(m.name.name, this.evalBinding(m, scope, path));
          else if (m.kind === "destructure") this.bindAll(m, this.evalExpr(m.value, scope), scope);
          else if (m.kind === "assert" && !this.assertHolds(m, scope)) return poison;
        }
        return { kind: "instance", inst };
      });
    } finally {
      this.path = saved;
      this.leave();
    }
  }

  /** Runs an instance's `forward` on `args`, inlined. */
  callInstance(inst: Instance, args: CallArg[], span: Span): Value {
    const fwd = inst.decl.members.find((m): m is A.ForwardDecl => m.kind === "forward");
    if (!fwd)
      return this.report({
        code: "G0701",
        message: `block \`${inst.decl.name.name}\` has no \`forward\``,
        span,
        label: "called here",
        secondary: [{ span: inst.decl.name.span, message: "declared here" }],
      });
    const what = `\`${inst.path}\` (${inst.decl.name.name})`;
    const specs = fwd.inputs.map((i) => ({
      name: i.name.name,
      required: true,
    }));
    const bound = this.bindArgs(what, specs, args, span);
    if (!bound || !this.callRoom(span)) return poison;
    this.callSites.push(span);
    this.depth += callWeight;
    const saved = this.path;
    try {
      const scope = new Scope(inst.scope);
      let ellipsis: Captured | undefined;
      for (const input of fwd.inputs) {
        const a = bound.get(input.name.name)!;
        if (a.value.kind === "poison") return poison;
        const t = this.tensorOf(a, what);
        if (!t) return poison;
        const r = this.matchType(input.type, t, a.span, scope, inst.scope, what);
        if (r === false) return poison;
        if (r) ellipsis ??= r;
        scope.set(input.name.name, { kind: "tensor", t });
      }
      this.path = inst.path;
      const out = this.inFrame(what, () => this.evalBody(fwd.body, scope, true));
      if (fwd.output && out.kind === "tensor")
        this.checkOutput(fwd.output, out.t, fwd.body.result.span, scope, ellipsis);
      if (fwd.results) this.checkResults(fwd.results, out, fwd.body.result, scope, ellipsis);
      return out;
    } finally {
      this.path = saved;
      this.callSites.pop();
      this.depth -= callWeight;
    }
  }

  // ------------------------------------------------------------ types and dimensions

  dtypeOf(id: A.Ident | undefined): DType | undefined {
    if (!id) return "f32";
    if (id.name === "f32" || id.name === "i32") return id.name;
    const help = didYouMean(id.name, ["f32", "i32"]);
    this.report({
      code: "G0206",
      message: `unknown dtype \`${id.name}\``,
      span: id.span,
      label: "Grove tensors are `f32` or `i32`",
      ...(help ? { help } : {}),
    });
    return undefined;
  }

  /**
   * Evaluates a dimension expression. `bind` decides what an unknown name means: undefined
   * reports it; otherwise the callback supplies a value (a new symbol for model inputs).
   */
  evalDim(
    d: A.DimExpr,
    scope: Scope,
    bind?: (name: string, span: Span) => Value | undefined,
  ): { dim: Dim; origin: Span } | undefined {
    // `a + b + c` nests to the left: fold the chain in a loop.
    const links: Extract<A.DimExpr, { kind: "dim-binary" }>[] = [];
    let base = d;
    for (; base.kind === "dim-binary"; base = base.left) links.push(base);
    let acc = this.evalDimLeaf(base, scope, bind);
    for (let i = links.length - 1; i >= 0 && acc; i--) {
      const link = links[i]!;
      const r = this.evalDim(link.right, scope, bind);
      acc = r && this.dimArithmetic(link, acc.dim, r.dim);
    }
    return acc;
  }

  private evalDimLeaf(
    d: Exclude<A.DimExpr, { kind: "dim-binary" }>,
    scope: Scope,
    bind?: (name: string, span: Span) => Value | undefined,
  ): { dim: Dim; origin: Span } | undefined {
    switch (d.kind) {
      case "int":
        return this.dimLiteral(d.value, d.span);
      case "dim-error":
        return undefined;
      case "ellipsis":
        this.report({
          code: "G0413",
          message: "`...` is only allowed in forward signatures",
          span: d.span,
          label: "not allowed here",
        });
        return undefined;
      case "dim-name": {
        const v = scope.get(d.name) ?? bind?.(d.name, d.span);
        if (!v) {
          const help = this.reporting(d.span) ? didYouMean(d.name, scope.allNames()) : undefined;
          this.report({
            code: "G0203",
            message: `unknown dimension \`${d.name}\``,
            span: d.span,
            label: "no block argument or dimension has this name",
            ...(help ? { help } : {}),
          });
          return undefined;
        }
        if (v.kind === "int") {
          const range = dimRangeProblem(v.dim);
          if (!range) return { dim: v.dim, origin: v.origin };
          this.report({
            ...range,
            span: d.span,
            secondary: originLabels([{ origin: v.origin, dim: v.dim }], [d.span]),
          });
          return undefined;
        }
        if (v.kind !== "poison")
          this.report({
            code: "G0410",
            message: `a dimension must be an integer, but \`${d.name}\` is ${describeKind(v)}`,
            span: d.span,
            label: "not an integer",
          });
        return undefined;
      }
    }
  }

  /** A number written in a shape: a whole number no larger than `limits.dimension`. */
  private dimLiteral(value: number, span: Span): { dim: Dim; origin: Span } | undefined {
    if (Number.isFinite(value) && !Number.isInteger(value)) {
      this.report({
        code: "G0410",
        message: `a dimension must be an integer, but this is ${value}`,
        span,
        label: "not an integer",
      });
      return undefined;
    }
    if (!(value <= limits.dimension)) {
      this.report(tooLarge(value, span));
      return undefined;
    }
    return { dim: dimConst(value), origin: span };
  }

  private dimArithmetic(
    d: Extract<A.DimExpr, { kind: "dim-binary" }>,
    l: Dim,
    r: Dim,
  ): { dim: Dim; origin: Span } | undefined {
    const complex = dimProblem(d.op, l, r);
    if (complex) {
      this.report({ ...complex, span: d.span });
      return undefined;
    }
    const dim = dimArith(d.op, l, r);
    if (!dim) {
      this.report({
        code: "G0410",
        message: `${dimToString(l)} is not divisible by ${dimToString(r)}`,
        span: d.span,
        label: "dimensions must be whole numbers",
      });
      return undefined;
    }
    const range = dimRangeProblem(dim);
    if (range) {
      this.report({ ...range, span: d.span });
      return undefined;
    }
    return { dim, origin: d.span };
  }

  /**
   * Checks a tensor against a forward input type, binding unknown dimension names. Returns the
   * dimensions captured by `...`, undefined when there is none, or false after a mismatch.
   */
  private matchType(
    type: A.TypeExpr,
    t: Tensor,
    argSpan: Span,
    scope: Scope,
    outer: Scope,
    what: string,
  ): Captured | undefined | false {
    const want = this.dtypeOf(type.dtype);
    if (!want) return false;
    const actual = formatType(t.dtype, t.shape);
    if (want !== t.dtype) {
      this.report({
        code: "G0409",
        message: `${what} expects ${want} but got ${t.dtype}`,
        span: argSpan,
        label: `has type ${actual}`,
        secondary: [{ span: type.span, message: `expects ${want}` }],
        ...(want === "f32" ? { help: "convert with `cast(x, f32)`" } : {}),
      });
      return false;
    }
    const dots = type.dims.findIndex((d) => d.kind === "ellipsis");
    const fixed = type.dims.length - (dots >= 0 ? 1 : 0);
    if (dots >= 0 ? t.shape.length < fixed : t.shape.length !== fixed) {
      this.report({
        code: "G0403",
        message: `${what} expects a tensor of rank ${dots >= 0 ? `${fixed} or more` : fixed} but got ${actual}`,
        span: argSpan,
        label: `has rank ${t.shape.length}`,
        secondary: [{ span: type.span, message: "expected type" }],
      });
      return false;
    }
    const pairs: [A.DimExpr, number][] = [];
    type.dims.forEach((d, i) => {
      if (d.kind === "ellipsis") return;
      pairs.push([d, dots >= 0 && i > dots ? t.shape.length - (type.dims.length - i) : i]);
    });
    for (const [d, k] of pairs) {
      const dim = t.shape[k]!;
      const origin = t.origins[k]!;
      if (d.kind === "dim-name" && !hasLocal(scope, d.name, outer)) {
        scope.set(d.name, { kind: "int", dim, origin });
        continue;
      }
      const expected = this.evalDim(d, scope);
      if (!expected) return false;
      if (!dimEq(expected.dim, dim)) {
        this.report({
          code: "G0404",
          message: `${what} expects ${renderTypeWith(type, d, expected.dim)} but got ${actual}`,
          span: argSpan,
          label: `dimension ${k} is ${dimToString(dim)}`,
          secondary: [
            {
              span: d.span,
              message: `expects ${dimToString(expected.dim)} here`,
            },
            ...originLabels(
              [
                { origin, dim },
                { origin: expected.origin, dim: expected.dim },
              ],
              [argSpan, d.span],
            ),
          ],
        });
        return false;
      }
    }
    if (dots < 0) return undefined;
    return {
      dims: t.shape.slice(dots, dots + t.shape.length - fixed),
      origins: t.origins.slice(dots, dots + t.shape.length - fixed),
    };
  }

  /** `-> ([N, d], [N, d])`: the forward gives that many results, each of its type. */
  private checkResults(
    types: readonly A.TypeExpr[],
    out: Value,
    result: A.Expr,
    scope: Scope,
    captured?: Captured,
  ): void {
    if (out.kind === "poison") return;
    if (out.kind !== "list" || out.items.length !== types.length) {
      const got = out.kind === "list" ? `${out.items.length} results` : describeKind(out);
      this.report({
        code: "G0405",
        message: `forward gives ${got} but declares ${types.length} results`,
        span: result.span,
        label: `this is ${got}`,
        secondary: [{ span: typesSpan(types), message: `declared ${types.length} results` }],
      });
      return;
    }
    out.items.forEach((v, i) => {
      const span = result.kind === "tuple" ? result.items[i]!.span : result.span;
      if (v.kind === "tensor") this.checkOutput(types[i]!, v.t, span, scope, captured);
      else if (v.kind !== "poison")
        this.report({
          code: "G0405",
          message: `result ${i + 1} of forward is ${describeKind(v)}, but a tensor is declared`,
          span,
          label: `this is ${describeKind(v)}`,
        });
    });
  }

  private checkOutput(
    type: A.TypeExpr,
    t: Tensor,
    resultSpan: Span,
    scope: Scope,
    captured?: Captured,
  ): void {
    const want = this.dtypeOf(type.dtype);
    const dims: Dim[] = [];
    for (const d of type.dims) {
      if (d.kind === "ellipsis") {
        if (!captured) {
          this.report({
            code: "G0413",
            message: "`...` in the output type needs a `...` in an input type",
            span: d.span,
            label: "nothing was captured",
          });
          return;
        }
        dims.push(...captured.dims);
        continue;
      }
      const v = this.evalDim(d, scope);
      if (!v) return;
      dims.push(v.dim);
    }
    const same = dims.length === t.shape.length && dims.every((d, i) => dimEq(d, t.shape[i]!));
    if (!same || want !== t.dtype) {
      this.report({
        code: "G0405",
        message: `forward returns ${formatType(t.dtype, t.shape)} but declares ${formatType(want ?? "f32", dims)}`,
        span: resultSpan,
        label: `this is ${formatType(t.dtype, t.shape)}`,
        secondary: [
          {
            span: type.span,
            message: `declared ${formatType(want ?? "f32", dims)}`,
          },
        ],
      });
    }
  }

  // ------------------------------------------------------------ params and inputs

  declareParam(p: A.ParamDecl, scope: Scope, prefix: string): Value {
    return this.declarePersistent(p, scope, prefix);
  }

  /** `state name: [shape] ~ init`: a persistent, untrained tensor (a `state` trace node). */
  declareState(s: A.StateDecl, scope: Scope, prefix: string): Value {
    return this.declarePersistent(s, scope, prefix);
  }

  /**
   * A parameter or a state: f32, a known positive shape, an initializer (the same rules for both;
   * without `~`, a parameter of rank 2 or more is glorot_uniform, anything else zeros).
   */
  private declarePersistent(p: A.ParamDecl | A.StateDecl, scope: Scope, prefix: string): Value {
    const name = prefix ? `${prefix}.${p.name.name}` : p.name.name;
    const what = p.kind === "param" ? "parameter" : "state";
    if (p.type.dtype && this.dtypeOf(p.type.dtype) === "i32") {
      return this.report({
        code: "G0206",
        message: `${what === "state" ? "states" : "parameters"} must be f32`,
        span: p.type.dtype.span,
        label: what === "state" ? "states are always f32" : "trainable parameters are always f32",
      });
    }
    const shape: number[] = [];
    const origins: Span[] = [];
    for (const d of p.type.dims) {
      const v = this.evalDim(d, scope);
      if (!v) return poison;
      const n = dimValue(v.dim);
      if (n === undefined || n <= 0) {
        return this.report({
          code: n === undefined ? "G0411" : "G0412",
          message:
            n === undefined
              ? `${what} \`${name}\` needs a known size, but this dimension is ${dimToString(v.dim)}`
              : `${what} \`${name}\` has a dimension of ${n}`,
          span: d.span,
          label: n === undefined ? "depends on the data" : "dimensions must be positive",
          secondary: originLabels([{ origin: v.origin, dim: v.dim }], [d.span]),
        });
      }
      shape.push(n);
      origins.push(v.origin);
    }
    const init = initializerRules.resolve(this, p, scope, shape);
    if (!init) return poison;
    const dims = shape.map((n) => dimConst(n));
    const v = this.emit(p.kind, [], { name }, "f32", dims, origins, p.span);
    if (v.kind !== "tensor") return v;
    (p.kind === "param" ? this.params : this.states).push({
      name,
      node: v.t.node,
      shape,
      init,
      span: p.span,
    });
    return v;
  }

  /** `update name = value` here (the instance or model at `path`): see `check/state.ts`. */
  evalUpdate(u: A.UpdateDecl, scope: Scope): void {
    evalUpdate(this, u, scope, this.path);
  }

  /** A model input: unknown names in its shape become symbols shared by all inputs. */
  declareInput(decl: A.InputDecl, scope: Scope, preset: (name: string) => Dim | undefined): Value {
    const dtype = this.dtypeOf(decl.type.dtype);
    if (!dtype) return poison;
    const shape: Dim[] = [];
    const origins: Span[] = [];
    for (const d of decl.type.dims) {
      const v = this.evalDim(d, scope, (name, span) => {
        const value: Value = {
          kind: "int",
          dim: preset(name) ?? dimSym(name),
          origin: span,
        };
        scope.set(name, value);
        return value;
      });
      if (!v) return poison;
      shape.push(v.dim);
      origins.push(v.origin);
    }
    const v = this.emit("input", [], { name: decl.name.name }, dtype, shape, origins, decl.span);
    if (v.kind !== "tensor") return v;
    this.inputs.push({
      name: decl.name.name,
      node: v.t.node,
      dtype,
      shape,
      span: decl.span,
    });
    return v;
  }
}

/** A frame of `Evaluator.contexts`: a note and a label for diagnostics raised inside it. */
export interface Context {
  readonly note: string;
  readonly span: Span;
  readonly label: string;
}

interface Captured {
  readonly dims: readonly Dim[];
  readonly origins: readonly Span[];
}

/** How many levels of `limits.evalDepth` an inlined call takes (it uses more stack than an expression). */
const callWeight = 2;

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

function typesSpan(types: readonly A.TypeExpr[]): Span {
  const first = types[0]!.span;
  return { ...first, end: types[types.length - 1]!.span.end };
}

const binaryBuiltins: Record<A.BinaryOp, string> = {
  "+": "add",
  "-": "sub",
  "*": "mul",
  "/": "div",
  "%": "mod",
  "^": "pow",
  "@": "matmul",
  "<": "less",
  "<=": "less_equal",
  ">": "greater",
  ">=": "greater_equal",
  "==": "equal",
  "!=": "not_equal",
};

function dimArith(op: "+" | "-" | "*" | "/", a: Dim, b: Dim): Dim | undefined {
  if (op === "+") return dimAdd(a, b);
  if (op === "-") return dimSub(a, b);
  if (op === "*") return dimMul(a, b);
  return dimDiv(a, b);
}

/** True when `name` is bound between `scope` and the instance scope `outer` (inclusive). */
function hasLocal(scope: Scope, name: string, outer: Scope): boolean {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (s.has(name)) return true;
    if (s === outer) return false;
  }
  return false;
}

function renderTypeWith(type: A.TypeExpr, at: A.DimExpr, value: Dim): string {
  const dims = type.dims.map((d) => (d === at ? dimToString(value) : dimText(d)));
  return `[${dims.join(", ")}]`;
}

/** A dimension as written (without parentheses); iterative, since `+` chains nest left. */
function dimText(root: A.DimExpr): string {
  const parts: string[] = [];
  const todo: (A.DimExpr | string)[] = [root];
  for (let d = todo.pop(); d !== undefined; d = todo.pop()) {
    if (typeof d === "string") parts.push(d);
    else if (d.kind === "dim-binary") todo.push(d.right, ` ${d.op} `, d.left);
    else parts.push(leafText(d));
  }
  return parts.join("");
}

function leafText(d: Exclude<A.DimExpr, { kind: "dim-binary" }>): string {
  if (d.kind === "int") return String(d.value);
  if (d.kind === "dim-name") return d.name;
  return d.kind === "ellipsis" ? "..." : "?";
}

export { formatShape };
