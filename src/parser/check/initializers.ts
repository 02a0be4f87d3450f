/**
 * @file Parameter initializers (the expression after `~`): their names, arguments and defaults.
 * The checker validates them; the runtime draws the numbers from the seed.
 */
import type * as A from "../ast.js";
import { dimValue } from "./dims.js";
import { limits } from "../limits.js";
import { own } from "./own.js";
import { shown } from "./ranges.js";
import { didYouMean } from "./suggest.js";
import type { InitSpec, Scope } from "./values.js";
import type { Evaluator } from "./evaluate.js";

interface InitRule {
  /** Parameter names with default values. */
  readonly params: readonly (readonly [string, number | undefined])[];
}

const rules: Readonly<Record<string, InitRule>> = {
  zeros: { params: [] },
  ones: { params: [] },
  constant: { params: [["value", undefined]] },
  normal: {
    params: [
      ["mean", 0],
      ["std", 1],
    ],
  },
  uniform: {
    params: [
      ["low", -0.05],
      ["high", 0.05],
    ],
  },
  glorot_uniform: { params: [] },
  glorot_normal: { params: [] },
  he_uniform: { params: [] },
  he_normal: { params: [] },
};

export const initializerNames = Object.keys(rules);

function resolve(
  ev: Evaluator,
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
  const rule = own(rules, head.name);
  if (!rule) {
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
  const args: Record<string, number> = {};
  const given = e.kind === "call" ? e.args : [];
  const names = rule.params.map(([n]) => n);
  let positional = 0;
  for (const a of given) {
    const name = a.name?.name ?? names[positional++];
    if (name === undefined || !names.includes(name)) {
      const help = a.name ? didYouMean(a.name.name, names) : undefined;
      ev.report({
        code: a.name ? "G0302" : "G0301",
        message: a.name
          ? `initializer \`${head.name}\` has no parameter named \`${a.name.name}\``
          : `initializer \`${head.name}\` takes ${names.length} argument${names.length === 1 ? "" : "s"}`,
        span: a.name?.span ?? a.span,
        label: "unexpected argument",
        ...(help ? { help } : {}),
      });
      return undefined;
    }
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
        message: `\`${name}\` of initializer \`${head.name}\` must be a finite f32 number`,
        span: a.value.span,
        label: `this is ${shown(n)}`,
      });
      return undefined;
    }
    if (Object.hasOwn(args, name)) {
      ev.report({
        code: "G0303",
        message: `argument \`${name}\` is given twice`,
        span: a.span,
        label: "second value",
      });
      return undefined;
    }
    args[name] = n === 0 ? 0 : n; // -0 is 0
  }
  for (const [name, def] of rule.params) {
    if (Object.hasOwn(args, name)) continue;
    if (def === undefined) {
      ev.report({
        code: "G0304",
        message: `missing argument \`${name}\` for initializer \`${head.name}\``,
        span: e.span,
        label: `\`${name}\` is required`,
      });
      return undefined;
    }
    args[name] = def;
  }
  const problem = rangeProblem(head.name, args);
  if (problem) {
    ev.report({
      code: "G0605",
      message: `initializer \`${head.name}\`: ${problem}`,
      span: e.span,
      label: problem,
    });
    return undefined;
  }
  return { name: head.name, args };
}

export const initializerRules = { resolve };

function rangeProblem(name: string, args: Readonly<Record<string, number>>): string | undefined {
  if (name === "normal" && !(args.std! >= 0)) return "`std` must not be negative";
  if (name === "uniform" && !(args.low! < args.high!)) return "`low` must be less than `high`";
  if (name === "uniform" && !(args.high! - args.low! <= limits.f32Max))
    return "`high - low` must be a finite f32 number";
  return undefined;
}
