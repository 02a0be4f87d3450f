/**
 * @file `assert condition, "message"`: a requirement on numbers known when checking, usually a
 * block's or function's arguments (`assert dim % heads == 0`). When it does not hold, the error
 * (G0707) points at the call that gave the arguments, in the caller's own file where there is one
 * (a standard-library block's requirement is reported at the user's line), and names the value
 * of every name in the condition.
 */
import type { DiagnosticInit, Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import { childrenOf } from "../ast.js";
import { dimToString } from "./dims.js";
import { shown } from "./ranges.js";
import { describeKind, type Scope, type Value } from "./values.js";

/**
 * What checking an `assert` (or recording an `update`, `UpdateCtx`) needs of the evaluator: an
 * interface, so no import cycle.
 */
export interface AssertCtx {
  report(init: DiagnosticInit): Value;
  evalExpr(e: A.Expr, scope: Scope): Value;
  /** Where the call being inlined was written, in a file other than `file` where there is one. */
  callerSpan(file: string): Span | undefined;
}

/**
 * Checks `a` in `scope`; `what` names where it stands (`` `block1.attn` (MultiHeadSelfAttention) ``).
 * Returns false when the condition is false (after reporting it).
 */
export function checkAssert(ev: AssertCtx, a: A.AssertDecl, scope: Scope, what: string): boolean {
  const v = ev.evalExpr(a.condition, scope);
  if (v.kind === "poison") return true;
  if (v.kind !== "bool") {
    ev.report({
      code: "G0410",
      message: `\`assert\` needs a condition known when checking, \`true\` or \`false\`, but this is ${describeKind(v)}`,
      span: a.condition.span,
      label: `this is ${describeKind(v)}`,
      notes: ["`assert` checks numbers such as block arguments (`dim % heads == 0`), not tensors"],
    });
    return true;
  }
  if (v.value) return true;
  const values = namedValues(a.condition, scope);
  const given = values.map(([name, value]) => `${name} = ${valueText(value)}`).join(", ");
  const why = a.message ? a.message.value : "an `assert` does not hold";
  const caller = ev.callerSpan(a.span.file) ?? a.span;
  ev.report({
    code: "G0707",
    message: `${what}: ${why}${given ? ` (${given})` : ""}`,
    span: caller,
    label: given ? `gives ${given}` : "the requirement fails for this",
    secondary: [
      { span: a.condition.span, message: "this must be true" },
      ...values.flatMap(([, value]) => origin(value, [caller, a.condition.span])),
    ],
  });
  return false;
}

/** Each name in the condition whose value is a number or boolean, once, in order. */
function namedValues(root: A.Expr, scope: Scope): [string, Value][] {
  const out = new Map<string, Value>();
  const todo: A.Expr[] = [root];
  for (let e = todo.pop(); e; e = todo.pop()) {
    if (e.kind === "name") {
      const v = scope.get(e.name);
      if (v && !out.has(e.name) && isNumberLike(v)) out.set(e.name, v);
    } else todo.push(...[...childrenOf(e)].reverse());
  }
  return [...out];
}

function isNumberLike(v: Value): boolean {
  return v.kind === "int" || v.kind === "float" || v.kind === "bool";
}

function valueText(v: Value): string {
  if (v.kind === "int") return dimToString(v.dim);
  if (v.kind === "float") return shown(v.value);
  return v.kind === "bool" ? String(v.value) : describeKind(v);
}

/** "128 comes from here" for a number written somewhere other than the spans already labelled. */
function origin(v: Value, taken: readonly Span[]): { span: Span; message: string }[] {
  if (v.kind !== "int" && v.kind !== "float") return [];
  const at = v.origin;
  if (taken.some((s) => s.file === at.file && s.start === at.start && s.end === at.end)) return [];
  return [{ span: at, message: `${valueText(v)} comes from here` }];
}
