/**
 * @file Binding the train section's calls (`data = mnist(...)`, `optimizer = adam(...)`,
 * `schedule = ...`, the items of `groups`) against tables of known calls: the records in
 * `src/ops` (data sources, optimizers, schedules) and `paramGroupCalls` here. One entry point,
 * `checkCall`, whose wording the diagnostics fixtures fix: an unknown name (with did-you-mean),
 * arguments bound by `bindArgs` (`schema.ts`), each value checked against its kind and range, then
 * the arguments together.
 */
import {
  nonNegative,
  positiveF32,
  type ArgKind,
  type ArgValue,
  type CallRule,
} from "../../ops/call-schema.js";
import type * as A from "../ast.js";
import { dimValue } from "./dims.js";
import type { Evaluator } from "./evaluate.js";
import { isOwnKey } from "./own.js";
import { bindArgs, paramList } from "./schema.js";
import { didYouMean } from "./suggest.js";
import type { CallSpec, Value } from "./values.js";

/** A `groups` item: `group(pattern, lr: x, weight_decay: y)` (see `param-groups.ts`). */
export const paramGroupCalls: Readonly<Record<string, CallRule>> = {
  group: {
    args: {
      match: { kind: "string" },
      lr: { kind: "number", optional: true, check: positiveF32 },
      weight_decay: { kind: "number", optional: true, check: nonNegative },
    },
    order: ["match"],
    validate: (a) =>
      a.lr === undefined && a.weight_decay === undefined
        ? "give `lr`, `weight_decay` or both"
        : undefined,
  },
};

/** Checks `name(args)` (or a bare `name`) against a table of known calls. */
export function checkCall<K extends string>(
  ev: Evaluator,
  e: A.Expr,
  table: Readonly<Record<K, CallRule>>,
  what: string,
  unknownCode: string,
): CallSpec<K> | undefined {
  const head = e.kind === "call" ? e.callee : e;
  if (head.kind !== "name") {
    ev.report({
      code: unknownCode,
      message: `expected ${what} such as \`${Object.keys(table)[0]}(...)\``,
      span: e.span,
      label: `not ${article(what)}`,
    });
    return undefined;
  }
  const callee = head.name;
  if (!isOwnKey(table, callee)) {
    const help = didYouMean(head.name, Object.keys(table));
    ev.report({
      code: unknownCode,
      message: `unknown ${what} \`${head.name}\``,
      span: head.span,
      label: `not ${article(what)}`,
      notes: [`known: ${Object.keys(table).join(", ")}`],
      ...(help ? { help } : {}),
    });
    return undefined;
  }
  const rule: CallRule = table[callee];
  const params = Object.entries(rule.args).map(([name, spec]) => ({
    name,
    spec,
    required: spec.default === undefined && !spec.optional,
  }));
  const notes = [`parameters: ${paramList(params)}`];
  const args: Record<string, ArgValue> = {};
  const bound = bindArgs(
    params,
    e.kind === "call" ? e.args : [],
    e.span,
    {
      positional: (rule.order ?? []).map((n) => params.find((p) => p.name === n)!),
      stopAt: "never",
      missing: "all",
      surplus: () => ({
        message: `${what} \`${head.name}\` takes its arguments by name`,
        label: "give this argument a name",
        notes,
      }),
      unknown: (name, help) => ({
        message: `${what} \`${head.name}\` has no parameter named \`${name}\``,
        label: "unknown parameter",
        notes,
        ...(help ? { help } : {}),
      }),
      twice: (name) => ({ message: `argument \`${name}\` is given twice`, label: "second value" }),
      missingParam: (name) => ({
        message: `missing argument \`${name}\` for ${what} \`${head.name}\``,
        label: `\`${name}\` is required`,
      }),
    },
    (d) => ev.report(d),
    ({ name, spec }, a) => {
      const v = ev.evalExpr(a.value, ev.globals);
      const value = argValue(v);
      const problem =
        value === undefined || !kindOk(spec.kind, value)
          ? `must be ${kindWords[spec.kind]}`
          : spec.check?.(value);
      if (problem) {
        if (v.kind !== "poison")
          ev.report({
            code: "G0605",
            message: `\`${name}\` of \`${head.name}\` ${problem}`,
            span: a.value.span,
            label: problem,
          });
        return false;
      }
      args[name] = value === 0 ? 0 : value!; // -0 is 0
      return true;
    },
  );
  if (!bound) return undefined;
  for (const { name, spec } of params)
    if (!bound.has(name) && spec.default !== undefined) args[name] = spec.default;
  const combo = rule.validate?.(args);
  if (combo) {
    ev.report({
      code: "G0605",
      message: `${what} \`${head.name}\`: ${combo}`,
      span: e.span,
      label: "arguments do not fit together",
    });
    return undefined;
  }
  return { name: callee, args, span: e.span };
}

function argValue(v: Value): ArgValue | undefined {
  switch (v.kind) {
    case "int":
      return dimValue(v.dim);
    case "float":
      return v.value;
    case "string":
      return v.value;
    case "bool":
      return v.value;
    case "list": {
      const items = v.items.map((i) => (i.kind === "string" ? i.value : undefined));
      return items.every((i) => i !== undefined) ? (items as string[]) : undefined;
    }
    default:
      return undefined;
  }
}

function kindOk(kind: ArgKind, v: ArgValue): boolean {
  switch (kind) {
    case "number":
      return typeof v === "number";
    case "int": // infinities pass here and fail the range check, which says why
      return typeof v === "number" && (Number.isInteger(v) || Math.abs(v) === Infinity);
    case "string":
      return typeof v === "string";
    case "bool":
      return typeof v === "boolean";
    case "strings":
      return Array.isArray(v);
  }
}

const kindWords: Record<ArgKind, string> = {
  number: "a number",
  int: "a whole number",
  string: "a string",
  bool: "`true` or `false`",
  strings: "a list of strings",
};

function article(what: string): string {
  return /^[aeiou]/.test(what) ? `an ${what}` : `a ${what}`;
}
