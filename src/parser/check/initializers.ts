/**
 * @file Checking a parameter's initializer (the expression after `~`) against its schema record
 * (`ops/initializers.ts`): the name, the arguments (bound by `bindArgs`), each a finite f32, and
 * their ranges. The runtime draws the numbers from the seed.
 */
import type { DiagnosticInit } from "../../diag/diagnostic.js";
import { withDefaults, type CallRule } from "../../ops/call-schema.js";
import {
  initializerNames,
  initializers,
  isInitializerName,
  type NumberArgs,
} from "../../ops/initializers.js";
import type * as A from "../ast.js";
import { dimValue } from "./dims.js";
import { limits } from "../limits.js";
import { shown } from "./ranges.js";
import { didYouMean } from "./suggest.js";
import { bindArgs } from "./schema.js";
import type { InitSpec, Scope, Value } from "./values.js";

/** What resolving an initializer needs of the evaluator (an interface, so no import cycle). */
export interface InitContext {
  report(d: DiagnosticInit): unknown;
  evalExpr(e: A.Expr, scope: Scope): Value;
}

function resolve(
  ev: InitContext,
  p: A.ParamDecl | A.StateDecl,
  scope: Scope,
  shape: readonly number[],
): InitSpec | undefined {
  if (!p.init) {
    const glorot = p.kind === "param" && shape.length >= 2;
    return { name: glorot ? "glorot_uniform" : "zeros", args: {} };
  }
  const e = p.init;
  const head = e.kind === "call" ? e.callee : e;
  if (head.kind !== "name") {
    ev.report({
      code: "G0207",
      message:
        "an initializer must be a name such as `zeros` or a call such as `normal(std: 0.02)`",
      span: e.span,
      label: "not an initializer",
    });
    return undefined;
  }
  const init = head.name;
  if (!isInitializerName(init)) {
    const help = didYouMean(head.name, initializerNames);
    ev.report({
      code: "G0207",
      message: `unknown initializer \`${head.name}\``,
      span: head.span,
      label: "not an initializer",
      notes: [`initializers: ${initializerNames.join(", ")}`],
      ...(help ? { help } : {}),
    });
    return undefined;
  }
  const rule: CallRule & { readonly args: NumberArgs } = initializers[init];
  const params = Object.entries(rule.args).map(([name, spec]) => ({
    name,
    required: spec.default === undefined && !spec.optional,
  }));
  const args: Record<string, number> = {};
  const given = e.kind === "call" ? e.args : [];
  const bound = bindArgs(
    params,
    given,
    e.span,
    {
      positional: (rule.order ?? []).map((n) => params.find((p) => p.name === n)!),
      stopAt: "any",
      missing: "first-if-clean",
      surplus: () => ({
        message: `initializer \`${head.name}\` takes ${params.length} argument${params.length === 1 ? "" : "s"}`,
        label: "unexpected argument",
      }),
      unknown: (name, help) => ({
        message: `initializer \`${head.name}\` has no parameter named \`${name}\``,
        label: "unexpected argument",
        ...(help ? { help } : {}),
      }),
      twice: (name) => ({ message: `argument \`${name}\` is given twice`, label: "second value" }),
      missingParam: (name) => ({
        message: `missing argument \`${name}\` for initializer \`${head.name}\``,
        label: `\`${name}\` is required`,
      }),
    },
    (d) => ev.report(d),
    ({ name }, a) => {
      const n = numberArg(ev, head.name, name, a, scope);
      if (n !== undefined) args[name] = n === 0 ? 0 : n; // -0 is 0
      return n !== undefined;
    },
  );
  if (!bound) return undefined;
  Object.assign(args, withDefaults(rule, args)); // the defaults after the given ones, in order
  const problem = rule.validate?.(args);
  if (problem) {
    ev.report({
      code: "G0605",
      message: `initializer \`${head.name}\`: ${problem}`,
      span: e.span,
      label: problem,
    });
    return undefined;
  }
  return { name: init, args };
}

export const initializerRules = { resolve };

/** Evaluates one initializer argument; undefined after reporting why it is not a finite f32. */
function numberArg(
  ev: InitContext,
  init: string,
  name: string,
  a: A.Arg,
  scope: Scope,
): number | undefined {
  const v = ev.evalExpr(a.value, scope);
  const n = v.kind === "float" ? v.value : v.kind === "int" ? dimValue(v.dim) : undefined;
  if (n === undefined) {
    if (v.kind !== "poison")
      ev.report({
        code: "G0410",
        message: `\`${name}\` must be a number`,
        span: a.value.span,
        label: "expected a number",
      });
    return undefined;
  }
  if (!(Math.abs(n) <= limits.f32Max)) {
    ev.report({
      code: "G0605",
      message: `\`${name}\` of initializer \`${init}\` must be a finite f32 number`,
      span: a.value.span,
      label: `this is ${shown(n)}`,
    });
    return undefined;
  }
  return n;
}
