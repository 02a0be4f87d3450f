/**
 * @file What a train section's loss and metrics see and must be: the scope they are evaluated in
 * (`trainScope`: the model's outputs, parameters and layers over the data fields, with hints for
 * an unknown name), the f32-scalar check (G0608), and the metrics' names (`metricNames`).
 */
import type { Span } from "../../diag/diagnostic.js";
import type { DataField } from "../../ops/data-sources.js";
import type * as A from "../ast.js";
import type { Evaluator } from "./evaluate.js";
import type { ModelResult } from "./model.js";
import { formatType } from "./shapes.js";
import { didYouMean } from "./suggest.js";
import {
  describeKind,
  poison,
  Scope,
  type Graph,
  type Tensor,
  type UnknownHint,
  type Value,
} from "./values.js";

/**
 * The scope of the loss and metrics, over that of the data fields (`fieldScope`, train-fit.ts): the
 * model's parameters and layers, then its outputs (poison where an output already failed).
 */
export function trainScope(
  model: A.ModelDecl,
  m: ModelResult,
  fields: readonly DataField[],
  fieldScope: Scope,
): Scope {
  const scope = new Scope(fieldScope);
  const layers = layersAndParams(model, m.scope);
  for (const [name, v] of layers) scope.set(name, v);
  for (const [name, t] of m.outputs) scope.set(name, { kind: "tensor", t });
  scope.hint = (name) =>
    trainScopeHint(name, model, [...m.outputs.keys()], [...layers.keys()], fields);
  for (const name of m.failed) scope.set(name, poison);
  return scope;
}

/**
 * The `metrics` setting evaluated in `scope`: each metric that is an f32 scalar is appended to
 * `outputs` as `metric:NAME`; returns their names, in order.
 */
export function checkMetrics(
  ev: Evaluator,
  value: A.Expr,
  scope: Scope,
  outputs: Graph["outputs"][number][],
): string[] {
  const metrics: string[] = [];
  const items = value.kind === "list" ? value.items : [value];
  const labels = value.kind === "list" ? (value.labels ?? []) : [];
  const names = metricNames(ev, items, labels);
  items.forEach((item, i) => {
    const t = scalar(ev, ev.evalExpr(item, scope), item.span, "a metric");
    if (t) {
      metrics.push(names[i]!);
      outputs.push({ name: `metric:${names[i]}`, node: t.node, span: item.span });
    }
  });
  return metrics;
}

/**
 * The metrics' names in logs, charts and checkpoints: the name given (`acc = accuracy(...)`),
 * else the function it calls (`accuracy(...)`), else the name it is (`kl`), else `metricK` for
 * the K-th metric. A default name that is taken gets `2`, `3`, ...; a given name must be new
 * (G0202), and not `loss`, which the loss has.
 */
function metricNames(
  ev: Evaluator,
  items: readonly A.Expr[],
  labels: readonly (A.Ident | undefined)[],
): string[] {
  const given = new Map<string, A.Ident>();
  for (const label of labels) {
    if (!label) continue;
    const first = given.get(label.name);
    if (first || label.name === "loss")
      ev.report({
        code: "G0202",
        message: `the metric name \`${label.name}\` is ${first ? "given twice" : "the loss's"}`,
        span: label.span,
        label: first ? "second use of this name" : "taken by the loss",
        ...(first ? { secondary: [{ span: first.span, message: "first given here" }] } : {}),
        ...(first
          ? {}
          : { notes: ["`loss` names the loss in progress lines, logs, charts and `grove eval`"] }),
      });
    else given.set(label.name, label);
  }
  const taken = new Set(given.keys());
  return items.map((e, i) => {
    const label = labels[i];
    if (label) return label.name;
    const base = defaultMetricName(e, i);
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}${k}`;
    taken.add(name);
    return name;
  });
}

/** The function a metric calls, else the name it is, else `metricK`. */
function defaultMetricName(e: A.Expr, i: number): string {
  if (e.kind === "call" && e.callee.kind === "name") return e.callee.name;
  return e.kind === "name" ? e.name : `metric${i + 1}`;
}

/**
 * The model's parameters and layers (`param` members, and members whose value is an instance or
 * a stack), which a train section may name: `sum(l1.w^2)`, `blocks.0.ff.up.w`.
 */
function layersAndParams(model: A.ModelDecl, scope: Scope): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const m of model.members) {
    if (m.kind !== "param" && m.kind !== "state" && m.kind !== "bind") continue;
    const v = scope.get(m.name.name);
    if (v && (m.kind !== "bind" || v.kind === "instance" || v.kind === "stack"))
      out.set(m.name.name, v);
  }
  return out;
}

/**
 * What an unknown name in a loss or metric could have been: the names in scope there, and a
 * direct hint for a model binding that is not an output.
 */
function trainScopeHint(
  name: string,
  model: A.ModelDecl,
  outputs: readonly string[],
  layers: readonly string[],
  fields: readonly DataField[],
): UnknownHint {
  const list = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(", ") || "none";
  const notes = [
    `in a train section: model outputs ${list(outputs)}; parameters and layers ${list(layers)}; data fields ${list(fields.map((f) => f.name))}`,
  ];
  const inner = model.members.some(
    (m) =>
      (m.kind === "bind" && m.name.name === name) ||
      (m.kind === "destructure" && m.names.some((n) => n.name === name)),
  );
  const all = [...outputs, ...layers, ...fields.map((f) => f.name)];
  const near = didYouMean(name, all);
  const help = inner
    ? `\`${name}\` is a value inside model \`${model.name.name}\`, not an output: declare it \`output ${name} = ...\``
    : near;
  return { notes, ...(help ? { help } : {}) };
}

/** `v` if it is an f32 scalar; else reports G0608 naming `what` (unless `v` already failed). */
export function scalar(ev: Evaluator, v: Value, span: Span, what: string): Tensor | undefined {
  if (v.kind === "poison") return undefined;
  if (v.kind === "tensor" && v.t.shape.length === 0 && v.t.dtype === "f32") return v.t;
  const got = v.kind === "tensor" ? formatType(v.t.dtype, v.t.shape) : describeKind(v);
  ev.report({
    code: "G0608",
    message: `${what} must be an f32 scalar, but it is ${got}`,
    span,
    label: `this is ${got}`,
    ...(v.kind === "tensor" && v.t.shape.length > 0
      ? { help: "reduce it to one number, e.g. with `mean(...)`" }
      : {}),
  });
  return undefined;
}
