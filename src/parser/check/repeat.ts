/**
 * @file Repetition: `blocks = repeat(4, PreNormBlock(256))` makes a stack of copies of one block,
 * each an instance of its own named `blocks.0` … `blocks.3` (so parameters are `blocks.2.ff.up.w`),
 * and calling a stack runs its input through the copies in order. A diagnostic raised while a
 * copy runs says which copy it was.
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import { limits } from "../limits.js";
import { dimToString, dimValue } from "./dims.js";
import { callInstance, construct, type CallArg, type CallCtx } from "./calls.js";
import { shown } from "./ranges.js";
import {
  describeKind,
  poison,
  type Instance,
  type Scope,
  type Stack,
  type Value,
} from "./values.js";

/** What `repeat` and stacks need of the evaluator (an interface, so no import cycle). */
export interface RepeatCtx extends CallCtx {
  evalArgs(args: readonly A.Arg[], scope: Scope): CallArg[];
  /** Counts `n` more copies made by `repeat`; reports G0412 beyond `limits.copies` in all. */
  takeCopies(n: number, span: Span): boolean;
}

const usage = "`repeat(4, Dense(256, 256))`";

/** `path = repeat(count, Block(args))` as a member: the stack, or poison after a report. */
export function evalRepeat(ev: RepeatCtx, call: A.CallExpr, scope: Scope, path: string): Value {
  const args = call.args;
  const named = args.find((a) => a.name);
  if (named || args.length !== 2)
    return ev.report({
      code: named ? "G0302" : args.length > 2 ? "G0301" : "G0304",
      message: `\`repeat\` takes two arguments, a count and a block call, as in ${usage}`,
      span: named?.span ?? (args.length > 2 ? args[2]!.span : call.argsSpan),
      label: named
        ? "give it without a name"
        : `${args.length} argument${args.length === 1 ? "" : "s"} given`,
    });
  const count = copyCount(ev, args[0]!.value, scope);
  if (count === undefined) return poison;
  const layer = args[1]!.value;
  const head = layer.kind === "call" ? layer.callee : layer;
  const callee = ev.evalExpr(head, scope);
  if (callee.kind === "poison") return poison;
  if (callee.kind !== "block")
    return ev.report({
      code: "G0204",
      message: `\`repeat\` copies a block, but this is ${describeKind(callee)}`,
      span: head.span,
      label: `this is ${describeKind(callee)}`,
      help: `give the block and its arguments, as in ${usage}`,
    });
  if (!ev.takeCopies(count, call.span)) return poison;
  const blockArgs = layer.kind === "call" ? ev.evalArgs(layer.args, scope) : [];
  const copies: Instance[] = [];
  for (let i = 0; i < count; i++) {
    const v = construct(ev, callee.decl, blockArgs, layer.span, `${path}.${i}`);
    if (v.kind !== "instance") return poison;
    copies.push(v.inst);
  }
  return { kind: "stack", stack: { decl: callee.decl, path, copies, span: call.span } };
}

/** The number of copies: a whole number from 1 to `limits.copies`, known when checking. */
function copyCount(ev: RepeatCtx, e: A.Expr, scope: Scope): number | undefined {
  const v = ev.evalExpr(e, scope);
  if (v.kind === "poison") return undefined;
  const n = v.kind === "int" ? dimValue(v.dim) : undefined;
  if (v.kind === "int" && n === undefined) {
    ev.report({
      code: "G0411",
      message: `the number of copies must be known when checking, but it is ${dimToString(v.dim)}`,
      span: e.span,
      label: "depends on the data",
    });
    return undefined;
  }
  if (n === undefined) {
    ev.report({
      code: "G0410",
      message: `the number of copies must be a whole number, but this is ${v.kind === "float" ? shown(v.value) : describeKind(v)}`,
      span: e.span,
      label: "not a whole number",
    });
    return undefined;
  }
  if (n >= 1 && n <= limits.copies) return n;
  ev.report({
    code: "G0412",
    message: `\`repeat\` makes 1 to ${limits.copies} copies, but the count is ${shown(n)}`,
    span: e.span,
    label: n < 1 ? "needs at least one copy" : "too many copies",
  });
  return undefined;
}

/**
 * Calls a stack: the first argument goes through `blocks.0`, its result through `blocks.1`, and
 * so on; any further arguments are passed to every copy unchanged.
 */
export function callStack(ev: RepeatCtx, stack: Stack, args: CallArg[], span: Span): Value {
  const rest = args.slice(1);
  let current = args[0];
  let out: Value = poison;
  for (let k = 0; k < stack.copies.length; k++) {
    const copy = stack.copies[k]!;
    const input = current ? [current, ...rest] : rest;
    out = ev.within(copyContext(stack, k), () => callInstance(ev, copy, input, span));
    if (out.kind === "poison") return poison;
    if (k + 1 < stack.copies.length && out.kind !== "tensor")
      return ev.report({
        code: "G0204",
        message: `each copy in \`${stack.path}\` must give one tensor to the next, but \`${copy.path}\` gives ${describeKind(out)}`,
        span,
        label: `\`${copy.path}\` gives ${describeKind(out)}`,
        secondary: [{ span: stack.span, message: "the copies are made here" }],
      });
    current = { value: out, span };
  }
  return out;
}

/** What a diagnostic raised inside copy `k` adds: which copy, and where the copies are made. */
function copyContext(stack: Stack, k: number) {
  const n = stack.copies.length;
  const input = k === 0 ? "" : `, whose input is what \`${stack.copies[k - 1]!.path}\` gives`;
  return {
    note: `in \`${stack.copies[k]!.path}\`, the ${ordinal(k + 1)} of the ${n} copies of \`${stack.decl.name.name}\` in \`${stack.path}\`${input}`,
    span: stack.span,
    label: `\`${stack.path}\` repeats \`${stack.decl.name.name}\` ${n} times here`,
  };
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}
