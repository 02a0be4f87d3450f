/**
 * @file Parameter groups of a train section: `freeze = [l1, "blocks.*.norm"]` and
 * `groups = [group("**.b", weight_decay: 0), group("head", lr: 0.01)]`, checked against the
 * model's hierarchical parameter names and resolved to one `ParamRule` per selected parameter.
 *
 * Patterns: `*` stands for any characters but `.` (within one name segment), `**` for any
 * characters; a pattern selects a parameter when it matches its whole name or a dotted prefix of
 * it (a layer: `l1` selects `l1.w` and `l1.b`). A `freeze` item may also be a layer or parameter
 * written as a name (`l1`, `blocks.0.ff`), looked up like a name in the loss. A pattern that
 * selects nothing is G0201 with a did-you-mean. A frozen parameter ignores groups; otherwise each
 * of `lr` and `weight_decay` comes from the first group that selects the parameter and sets it
 * (so `group("**.b", weight_decay: 0)` and `group("head", lr: 0.01)` together give `head.b` both).
 */
import { emptyRecord } from "../../diag/records.js";
import type { OptimizerSpec } from "../../ops/optimizers.js";
import type * as A from "../ast.js";
import type { Evaluator } from "./evaluate.js";
import { didYouMean } from "./suggest.js";
import type { ParamRule, ParamRules, Scope } from "./values.js";

/** One pattern as written, and where. */
interface Pattern {
  readonly text: string;
  readonly span: A.Expr["span"];
}

/** A group's settings: a pattern and what it replaces. */
export interface GroupSpec {
  readonly pattern: Pattern;
  readonly lr?: number;
  readonly weightDecay?: number;
}

/**
 * Whether `pattern` selects the parameter `name` (see the file comment): matched without a
 * regular expression, in time proportional to the pattern's length times the name's, so a
 * pattern of any shape (`*a*a*a...`) neither throws nor backtracks; a pattern without `*` is
 * compared directly.
 */
export function patternSelects(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return name === pattern || name.startsWith(`${pattern}.`);
  const n = name.length;
  // at[i]: the pattern read so far can end at name position i.
  let at = new Uint8Array(n + 1);
  at[0] = 1;
  for (let k = 0; k < pattern.length; k++) {
    const next = new Uint8Array(n + 1);
    if (pattern[k] === "*") {
      const any = pattern[k + 1] === "*";
      if (any) k++;
      // `**` continues over any characters; `*` stops at a `.`.
      let open = 0;
      for (let i = 0; i <= n; i++) {
        if (!any && i > 0 && name[i - 1] === ".") open = 0;
        open |= at[i]!;
        next[i] = open;
      }
    } else for (let i = 0; i < n; i++) if (at[i] && name[i] === pattern[k]) next[i + 1] = 1;
    at = next;
  }
  // The whole name, or a layer of it: a dotted prefix.
  for (let i = 0; i <= n; i++) if (at[i] && (i === n || name[i] === ".")) return true;
  return false;
}

/** The names a pattern selects among `params`. */
export const selected = (pattern: string, params: readonly string[]): string[] =>
  params.filter((p) => patternSelects(pattern, p));

/** Every parameter name and every layer prefix of one (`blocks`, `blocks.0`, `blocks.0.w`). */
function candidates(params: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of params) {
    const parts = p.split(".");
    for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join("."));
  }
  return [...out];
}

/** The dotted name a `freeze` item written as a name stands for (`blocks.0.ff`), if it is one. */
function pathOf(e: A.Expr): string | undefined {
  if (e.kind === "name") return e.name;
  if (e.kind !== "member") return undefined;
  const head = pathOf(e.object);
  return head === undefined ? undefined : `${head}.${e.member.name}`;
}

/**
 * The patterns of a `freeze` setting: strings, and names evaluated in `scope` (the loss's scope,
 * so an unknown name is reported with what is in scope there). Items of another kind are G0605.
 */
export function freezePatterns(ev: Evaluator, value: A.Expr, scope: Scope): Pattern[] {
  const items = value.kind === "list" ? value.items : [value];
  const out: Pattern[] = [];
  for (const item of items) {
    if (item.kind === "string") {
      out.push({ text: item.value, span: item.span });
      continue;
    }
    const path = pathOf(item);
    if (path === undefined) {
      ev.report({
        code: "G0605",
        message: "`freeze` lists layers or parameters by name, or name patterns in strings",
        span: item.span,
        label: "not a name or a string",
        help: 'e.g. `freeze = [l1, "blocks.*.norm"]`',
      });
      continue;
    }
    const v = ev.evalExpr(item, scope);
    if (v.kind !== "poison") out.push({ text: path, span: item.span });
  }
  return out;
}

/**
 * The longest pattern matched against the parameter names: matching takes time proportional to
 * the pattern's length times a name's, and no parameter name a person writes is near this long.
 */
export const MAX_PATTERN_LENGTH = 1000;

/** Reports a pattern too long to match (G0605); true when `p` may be matched. */
function checkLength(ev: Evaluator, p: Pattern, what: string): boolean {
  if (p.text.length <= MAX_PATTERN_LENGTH) return true;
  ev.report({
    code: "G0605",
    message: `a ${what} may be at most ${MAX_PATTERN_LENGTH} characters; this one has ${p.text.length}`,
    span: p.span,
    label: "too long",
  });
  return false;
}

/**
 * Reports a pattern that selects no parameter: G0611 when it selects state (which never trains,
 * so freezing it or giving it a rate means nothing), else G0201 with a near name when there is one.
 */
function reportUnmatched(
  ev: Evaluator,
  p: Pattern,
  params: readonly string[],
  states: readonly string[],
  what: string,
) {
  const hits = selected(p.text, states);
  if (hits.length > 0) {
    ev.report({
      code: "G0611",
      message: `${what} \`${p.text}\` selects only state (${hits.slice(0, 4).join(", ")}${hits.length > 4 ? ", ..." : ""}), which never trains`,
      span: p.span,
      label: "state, not a parameter",
      notes: [
        "a `state` gets no gradient and no optimizer update (no learning rate, no weight decay): it changes only through its block's `update`, in training steps",
        "`freeze` and `groups` select parameters; a layer's name selects its parameters and leaves its state alone",
      ],
      help: "remove this pattern; to keep running statistics fixed, evaluate instead of training",
    });
    return;
  }
  const help = didYouMean(p.text, candidates(params));
  const shownParams = params.slice(0, 12).join(", ") + (params.length > 12 ? ", ..." : "");
  ev.report({
    code: "G0201",
    message: `${what} \`${p.text}\` selects no parameter`,
    span: p.span,
    label: "matches no parameter name",
    notes: [
      `parameters: ${shownParams || "none"}`,
      "`*` stands for any characters but `.`, `**` for any characters; a pattern also selects the parameters of a layer it names",
    ],
    ...(help ? { help } : {}),
  });
}

/**
 * The rule of every parameter `freeze` and `groups` select, in `params` order, or undefined when
 * a pattern selects nothing (reported). `optimizer` gives the base learning rate.
 */
export function resolveParamRules(
  ev: Evaluator,
  params: readonly string[],
  freeze: readonly Pattern[],
  groups: readonly GroupSpec[],
  optimizer: OptimizerSpec,
  states: readonly string[] = [],
): ParamRules | undefined {
  let ok = true;
  const frozen = new Set<string>();
  for (const p of freeze) {
    if (!checkLength(ev, p, "`freeze` pattern")) {
      ok = false;
      continue;
    }
    const hits = selected(p.text, params);
    if (hits.length === 0) {
      reportUnmatched(ev, p, params, states, "`freeze` pattern");
      ok = false;
    }
    for (const h of hits) frozen.add(h);
  }
  const lr = new Map<string, number>();
  const decay = new Map<string, number>();
  for (const g of groups) {
    if (!checkLength(ev, g.pattern, "group pattern")) {
      ok = false;
      continue;
    }
    const hits = selected(g.pattern.text, params);
    if (hits.length === 0) {
      reportUnmatched(ev, g.pattern, params, states, "group pattern");
      ok = false;
    }
    for (const h of hits) {
      if (g.lr !== undefined && !lr.has(h)) lr.set(h, g.lr);
      if (g.weightDecay !== undefined && !decay.has(h)) decay.set(h, g.weightDecay);
    }
  }
  if (!ok) return undefined;
  const baseLr = optimizer.args.lr;
  const rules = emptyRecord<ParamRule>();
  for (const name of params) {
    if (frozen.has(name)) {
      rules[name] = { frozen: true };
      continue;
    }
    const [rate, wd] = [lr.get(name), decay.get(name)];
    if (rate === undefined && wd === undefined) continue;
    rules[name] = {
      ...(rate !== undefined ? { lrScale: rate / baseLr } : {}),
      ...(wd !== undefined ? { weightDecay: wd } : {}),
    };
  }
  return rules;
}
