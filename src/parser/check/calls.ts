/**
 * @file Calls the evaluator inlines: a builtin (its rule from `check/builtins/`), a function, a
 * block's construction (a named instance: its parameters, states and members in order) and an
 * instance's `forward` (inputs matched against their types, the body, the declared output).
 * Arguments are bound by the shared binder (`schema.ts`) with the wording of a call.
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import { builtinRules, type ArgV, type Ctx } from "./builtins/index.js";
import { declarePersistent, type DeclareCtx } from "./declare.js";
import { own } from "./own.js";
import { bindArgs, paramList, type SchemaParam } from "./schema.js";
import { checkOutput, checkResults, matchType, type Captured } from "./type-match.js";
import { poison, Scope, type Instance, type Value } from "./values.js";

/** An argument of a call, evaluated: `name = value` or a positional value. */
export interface CallArg {
  readonly name?: A.Ident;
  readonly value: Value;
  readonly span: Span;
}

/** What inlining a call needs of the evaluator (an interface, so no import cycle). */
export interface CallCtx extends Ctx, DeclareCtx {
  readonly globals: Scope;
  evalExpr(e: A.Expr, scope: Scope): Value;
  /** `forward` says the body is a forward's, whose `update`s apply. */
  evalBody(body: A.Body, scope: Scope, forward?: boolean): Value;
  /** `name = expr` in a block or model: a block call makes a named instance. */
  evalBinding(b: A.Binding, scope: Scope, prefix: string): Value;
  /** `(a, b) = value`: binds each name in `scope`; returns the values bound. */
  bindAll(d: A.Destructure, value: Value, scope: Scope): Value[];
  assertHolds(a: A.AssertDecl, scope: Scope): boolean;
  /**
   * Opens an inlined call at `span` (of `decl`, which may not be open already: G0705); false,
   * after reporting, when it would go deeper than the limits allow (G0706).
   */
  openCall(span: Span, decl?: A.FnDecl | A.BlockDecl): boolean;
  closeCall(): void;
  /** Runs `fn` as the code `what` of the instance at `path` (for trace scopes and `assert`). */
  inside<T>(what: string, path: string | undefined, fn: () => T): T;
}

export function applyBuiltin(
  c: CallCtx,
  name: string,
  args: readonly CallArg[],
  span: Span,
  calleeSpan: Span,
): Value {
  const rule = own(builtinRules, name);
  if (!rule)
    return c.report({
      code: "G9999",
      message: `no rule for builtin ${name}`,
      span,
    });
  const bound = bindCall(c, `\`${name}\``, rule.params, args, span);
  if (!bound) return poison;
  for (const a of bound.values()) if (a.value.kind === "poison") return poison;
  return rule.apply(c, bound, { span, calleeSpan, name });
}

export function callFn(c: CallCtx, decl: A.FnDecl, args: readonly CallArg[], span: Span): Value {
  if (!c.openCall(span, decl)) return poison;
  try {
    const scope = bindScope(c, `\`${decl.name.name}\``, decl.params, args, span);
    if (!scope) return poison;
    return c.inside(`\`${decl.name.name}\``, undefined, () => c.evalBody(decl.body, scope));
  } finally {
    c.closeCall();
  }
}

/** A new instance of `decl` named `path`: its parameters and members, evaluated in order. */
export function construct(
  c: CallCtx,
  decl: A.BlockDecl,
  args: readonly CallArg[],
  span: Span,
  path: string,
): Value {
  if (!c.openCall(span, decl)) return poison;
  try {
    const scope = bindScope(c, `\`${decl.name.name}\``, decl.params, args, span);
    if (!scope) return poison;
    const inst: Instance = { decl, path, scope, span };
    return c.inside(`\`${path}\` (${decl.name.name})`, path, (): Value => {
      for (const m of decl.members) {
        if (m.kind === "param" || m.kind === "state")
          scope.set(m.name.name, declarePersistent(c, m, scope, path));
        else if (m.kind === "bind") scope.set(m.name.name, c.evalBinding(m, scope, path));
        else if (m.kind === "destructure") c.bindAll(m, c.evalExpr(m.value, scope), scope);
        else if (m.kind === "assert" && !c.assertHolds(m, scope)) return poison;
      }
      return { kind: "instance", inst };
    });
  } finally {
    c.closeCall();
  }
}

/** Runs an instance's `forward` on `args`, inlined. */
export function callInstance(
  c: CallCtx,
  inst: Instance,
  args: readonly CallArg[],
  span: Span,
): Value {
  const fwd = inst.decl.members.find((m): m is A.ForwardDecl => m.kind === "forward");
  if (!fwd)
    return c.report({
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
  const bound = bindCall(c, what, specs, args, span);
  if (!bound || !c.openCall(span)) return poison;
  try {
    const scope = new Scope(inst.scope);
    let ellipsis: Captured | undefined;
    for (const input of fwd.inputs) {
      const a = bound.get(input.name.name)!;
      if (a.value.kind === "poison") return poison;
      const t = c.tensorOf(a, what);
      if (!t) return poison;
      const r = matchType(c, input.type, t, a.span, scope, inst.scope, what);
      if (r === false) return poison;
      if (r) ellipsis ??= r;
      scope.set(input.name.name, { kind: "tensor", t });
    }
    const out = c.inside(what, inst.path, () => c.evalBody(fwd.body, scope, true));
    if (fwd.output && out.kind === "tensor")
      checkOutput(c, fwd.output, out.t, fwd.body.result.span, scope, ellipsis);
    if (fwd.results) checkResults(c, fwd.results, out, fwd.body.result, scope, ellipsis);
    return out;
  } finally {
    c.closeCall();
  }
}

/** Matches arguments to parameters by position and name. Undefined after reporting a mistake. */
function bindCall(
  c: CallCtx,
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
    (d) => c.report(d),
  );
}
/** Binds parameters (defaults are evaluated in the callee's scope, after earlier parameters). */
function bindScope(
  c: CallCtx,
  what: string,
  defs: readonly A.ParamDef[],
  args: readonly CallArg[],
  span: Span,
): Scope | undefined {
  const specs = defs.map((p) => ({
    name: p.name.name,
    required: p.default === undefined,
  }));
  const bound = bindCall(c, what, specs, args, span);
  if (!bound) return undefined;
  const scope = new Scope(c.globals);
  for (const p of defs) {
    const a = bound.get(p.name.name);
    scope.set(p.name.name, a ? a.value : c.evalExpr(p.default!, scope));
  }
  return scope;
}
