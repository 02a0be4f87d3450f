/**
 * @file Checking a `train` section: its settings, data source, optimizer and schedule (each a
 * table of known names with typed arguments), the fit between data fields and model inputs,
 * and the loss and metrics, which must be scalars.
 * The data sources', optimizers' and schedules' records are in `src/ops`. Over 500 lines: the
 * settings, the data-field fit, metric naming and the binding of train calls (`checkCall`,
 * whose wording the diagnostics fixtures fix) are still one file; the call binding could move
 * to its own.
 */
import type { Span } from "../../diag/diagnostic.js";
import {
  count,
  countLimits,
  nonNegative,
  positiveF32,
  type ArgKind,
  type ArgValue,
  type CallRule,
} from "../../ops/call-schema.js";
import { dataSources, type DataField } from "../../ops/data-sources.js";
import { optimizerSchemas, type OptimizerSpec } from "../../ops/optimizers.js";
import { defaultSchedule, scheduleSchemas, type ScheduleSpec } from "../../ops/schedules.js";
import type * as A from "../ast.js";
import { dimConst, dimProduct, dimSym, dimToString, dimValue, type Dim } from "./dims.js";
import { Evaluator, type DiagnosticSink } from "./evaluate.js";
import { elaborateModel } from "./model.js";
import { isOwnKey } from "./own.js";
import { freezePatterns, resolveParamRules, type GroupSpec } from "./param-groups.js";
import { shown } from "./ranges.js";
import { formatType } from "./shapes.js";
import { didYouMean } from "./suggest.js";
import { bindArgs, paramList } from "./schema.js";
import {
  describeKind,
  poison,
  Scope,
  type CallSpec,
  type ElaboratedTrain,
  type ParamRules,
  type Tensor,
  type UnknownHint,
  type Value,
} from "./values.js";

export const trainSettings = [
  "data",
  "loss",
  "optimizer",
  "schedule",
  "batch",
  "epochs",
  "clip_grad_norm",
  "seed",
  "metrics",
  "freeze",
  "groups",
];

/** A `groups` item: `group(pattern, lr: x, weight_decay: y)` (see `param-groups.ts`). */
const paramGroupCalls: Readonly<Record<string, CallRule>> = {
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

// ---------------------------------------------------------------- checking

export function checkTrain(
  decl: A.TrainDecl,
  models: ReadonlyMap<string, A.ModelDecl>,
  globals: Scope,
  sink: DiagnosticSink,
  overrides: readonly A.TrainSetting[] = [],
): ElaboratedTrain | undefined {
  const ev = new Evaluator(globals, sink);
  const model = models.get(decl.model.name);
  if (!model) {
    const help = didYouMean(decl.model.name, models.keys());
    ev.report({
      code: "G0609",
      message: `\`train\` refers to an unknown model \`${decl.model.name}\``,
      span: decl.model.span,
      label: "no model has this name",
      ...(help ? { help } : {}),
    });
    return undefined;
  }
  const settings = new Map<string, A.TrainSetting>();
  const fromCommandLine = new Set(overrides);
  for (const s of [...decl.settings, ...overrides]) {
    if (!trainSettings.includes(s.key.name)) {
      const help = didYouMean(s.key.name, trainSettings);
      ev.report({
        code: "G0601",
        message: `unknown train setting \`${s.key.name}\``,
        span: s.key.span,
        label: "not a setting",
        notes: [`settings: ${trainSettings.join(", ")}`],
        ...(help ? { help } : {}),
      });
      continue;
    }
    const prev = settings.get(s.key.name);
    if (prev && fromCommandLine.has(s) && !fromCommandLine.has(prev)) {
      settings.set(s.key.name, s);
      continue;
    }
    if (prev) {
      ev.report({
        code: "G0202",
        message: `setting \`${s.key.name}\` is given twice`,
        span: s.key.span,
        label: "second value",
        secondary: [{ span: prev.key.span, message: "first value" }],
      });
      continue;
    }
    settings.set(s.key.name, s);
  }
  const missing = ["data", "loss", "optimizer"].filter((k) => !settings.has(k));
  for (const k of missing)
    ev.report({
      code: "G0602",
      message: `train section for \`${decl.model.name}\` has no \`${k}\``,
      span: decl.model.span,
      label: `\`${k}\` is required`,
      help: missingHelp[k],
    });

  const data = settings.has("data")
    ? checkCall(ev, settings.get("data")!.value, dataSources, "data source", "G0603")
    : undefined;
  const optimizer = settings.has("optimizer")
    ? (checkCall(ev, settings.get("optimizer")!.value, optimizerSchemas, "optimizer", "G0604") as
        (OptimizerSpec & { readonly span: Span }) | undefined)
    : undefined;
  const scheduleSetting = settings.get("schedule");
  const schedule = scheduleSetting
    ? (checkCall(ev, scheduleSetting.value, scheduleSchemas, "schedule", "G0610") as
        (ScheduleSpec & { readonly span: Span }) | undefined)
    : { ...defaultSchedule, span: decl.span };
  const batch = checkNumber(ev, settings.get("batch"), 32, "int", count(countLimits.batch));
  const epochs = checkNumber(ev, settings.get("epochs"), 1, "int", count(countLimits.epochs));
  const seed = checkNumber(ev, settings.get("seed"), 0, "int", (n) =>
    n >= 0 && n <= 0xffffffff ? undefined : "must be between 0 and 4294967295",
  );
  const clip = settings.has("clip_grad_norm")
    ? checkNumber(ev, settings.get("clip_grad_norm"), 0, "number", positiveF32)
    : undefined;
  if (!data || missing.length > 0) return undefined;

  const fields = dataSources[data.name].fields(data.args);
  const preset = presetDims(model, fields);
  const m = elaborateModel(ev, model, preset);
  if (!fitInputs(ev, model, fields, m.inputs, data)) return undefined;

  // Loss and metrics see the model's outputs, then the data fields.
  const fieldScope = new Scope(globals);
  const batchDim = [...m.inputs.values()][0]?.shape[0] ?? dimSym("N");
  for (const fld of fields) {
    const input = m.inputs.get(fld.name);
    if (input) {
      fieldScope.set(fld.name, { kind: "tensor", t: input });
      continue;
    }
    const shape = [
      batchDim,
      ...fld.dims.map((d, i) => (d === undefined ? dimSym(`${fld.name}${i + 1}`) : dimConst(d))),
    ];
    const origins = shape.map(() => data.span);
    const inode = ev.emit("input", [], { name: fld.name }, fld.dtype, shape, origins, data.span);
    fieldScope.set(fld.name, inode);
    if (inode.kind === "tensor")
      ev.inputs.push({
        name: fld.name,
        node: inode.t.node,
        dtype: fld.dtype,
        shape,
        span: data.span,
      });
  }
  const scope = new Scope(fieldScope);
  const layers = layersAndParams(model, m.scope);
  for (const [name, v] of layers) scope.set(name, v);
  for (const [name, t] of m.outputs) scope.set(name, { kind: "tensor", t });
  scope.hint = (name) =>
    trainScopeHint(name, model, [...m.outputs.keys()], [...layers.keys()], fields);
  for (const name of m.failed) scope.set(name, poison);

  const outputs = [...m.graph.outputs];
  const lossSetting = settings.get("loss")!;
  const loss = scalar(
    ev,
    ev.evalExpr(lossSetting.value, scope),
    lossSetting.value.span,
    "the loss",
  );
  if (loss === undefined) return undefined;
  outputs.push({ name: "loss", node: loss.node, span: lossSetting.span });

  const metrics: string[] = [];
  const metricSetting = settings.get("metrics");
  if (metricSetting) {
    const value = metricSetting.value;
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
  }
  const paramRules = optimizer && checkParamGroups(ev, settings, scope, optimizer);
  if (
    !optimizer ||
    batch === undefined ||
    epochs === undefined ||
    seed === undefined ||
    paramRules === undefined
  )
    return undefined;
  return {
    model: model.name.name,
    graph: {
      nodes: ev.nodes,
      inputs: ev.inputs,
      params: ev.params,
      state: ev.states,
      updates: ev.updates,
      outputs,
    },
    data,
    fields,
    optimizer,
    schedule: schedule ?? { ...defaultSchedule, span: decl.span },
    batch,
    epochs,
    seed,
    ...(clip !== undefined ? { clipGradNorm: clip } : {}),
    metrics,
    ...(Object.keys(paramRules).length > 0 ? { paramRules } : {}),
    span: decl.span,
  };
}

/**
 * The `freeze` and `groups` settings resolved against the parameters elaborated so far (the
 * model's); undefined after an error (reported).
 */
function checkParamGroups(
  ev: Evaluator,
  settings: ReadonlyMap<string, A.TrainSetting>,
  scope: Scope,
  optimizer: OptimizerSpec,
): ParamRules | undefined {
  const freezeSetting = settings.get("freeze");
  const groupSetting = settings.get("groups");
  if (!freezeSetting && !groupSetting) return {};
  const freeze = freezeSetting ? freezePatterns(ev, freezeSetting.value, scope) : [];
  const groups: GroupSpec[] = [];
  let ok = true;
  const value = groupSetting?.value;
  for (const item of value ? (value.kind === "list" ? value.items : [value]) : []) {
    const g = checkCall(ev, item, paramGroupCalls, "parameter group", "G0605");
    if (!g) {
      ok = false;
      continue;
    }
    const args = item.kind === "call" ? item.args : [];
    const at = args.find((a) => a.name?.name === "match") ?? args.find((a) => !a.name);
    groups.push({
      pattern: { text: g.args.match as string, span: at?.value.span ?? item.span },
      ...(typeof g.args.lr === "number" ? { lr: g.args.lr } : {}),
      ...(typeof g.args.weight_decay === "number" ? { weightDecay: g.args.weight_decay } : {}),
    });
  }
  const params = ev.params.map((p) => p.name);
  const states = ev.states.map((s) => s.name);
  const rules = resolveParamRules(ev, params, freeze, groups, optimizer, states);
  return ok ? rules : undefined;
}

const missingHelp: Record<string, string> = {
  data: 'add e.g. `data = mnist(split: "train")`',
  loss: "add e.g. `loss = cross_entropy(logits, label)`",
  optimizer: "add e.g. `optimizer = adam(lr: 1e-3)`",
};

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

function scalar(ev: Evaluator, v: Value, span: Span, what: string): Tensor | undefined {
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

/** Names in model input shapes take the sizes of the data fields they are fed from. */
function presetDims(
  model: A.ModelDecl,
  fields: readonly DataField[],
): (name: string) => Dim | undefined {
  const known = new Map<string, Dim>();
  for (const m of model.members) {
    if (m.kind !== "input") continue;
    const fld = fields.find((x) => x.name === m.name.name);
    if (!fld || m.type.dims.length !== fld.dims.length + 1) continue;
    m.type.dims.slice(1).forEach((d, i) => {
      const size = fld.dims[i];
      if (d.kind === "dim-name" && size !== undefined && !known.has(d.name))
        known.set(d.name, dimConst(size));
    });
  }
  return (name) => known.get(name);
}

function fitInputs(
  ev: Evaluator,
  model: A.ModelDecl,
  fields: readonly DataField[],
  inputs: ReadonlyMap<string, Tensor>,
  data: CallSpec,
): boolean {
  let ok = true;
  for (const m of model.members) {
    if (m.kind !== "input") continue;
    const fld = fields.find((x) => x.name === m.name.name);
    const t = inputs.get(m.name.name);
    if (!fld) {
      const help = didYouMean(
        m.name.name,
        fields.map((x) => x.name),
      );
      ev.report({
        code: "G0606",
        message: `model input \`${m.name.name}\` is not provided by \`${data.name}\``,
        span: m.name.span,
        label: "no data field has this name",
        secondary: [
          {
            span: data.span,
            message: `provides ${fields.map((x) => `\`${x.name}\``).join(", ")}`,
          },
        ],
        help: help ?? "rename the input to one of the data fields",
      });
      ok = false;
      continue;
    }
    if (!t) continue;
    const fieldType = `${fld.dtype === "f32" ? "" : fld.dtype}[N${fld.dims.map((d) => `, ${d ?? "*"}`).join("")}]`;
    const perExample = dimProduct(t.shape.slice(1));
    const known = fld.dims.every((d) => d !== undefined);
    const fieldCount = fld.dims.reduce<number>((p, d) => p * (d ?? 1), 1);
    const count = dimValue(perExample);
    const sizeOk = !known || (count !== undefined && count === fieldCount);
    if (fld.dtype !== t.dtype || !sizeOk) {
      ev.report({
        code: "G0607",
        message: `data field \`${fld.name}\` is ${fieldType}, which does not fit model input ${formatType(t.dtype, t.shape)}`,
        span: m.type.span,
        label:
          fld.dtype !== t.dtype
            ? `the data is ${fld.dtype}`
            : `${dimToString(perExample)} values per example, but the data has ${fieldCount}`,
        secondary: [
          {
            span: data.span,
            message: `provides \`${fld.name}\` as ${fieldType}`,
          },
        ],
      });
      ok = false;
    }
  }
  return ok;
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

/** Checks `name(args)` (or a bare `name`) against a table of known calls. */
function checkCall<K extends string>(
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

function checkNumber(
  ev: Evaluator,
  s: A.TrainSetting | undefined,
  fallback: number,
  kind: "int" | "number",
  check: (n: number) => string | undefined,
): number | undefined {
  if (!s) return fallback;
  const v = ev.evalExpr(s.value, ev.globals);
  const n = v.kind === "int" ? dimValue(v.dim) : v.kind === "float" ? v.value : undefined;
  const fraction = n !== undefined && Number.isFinite(n) && !Number.isInteger(n);
  const problem =
    n === undefined || (kind === "int" && fraction)
      ? `must be ${kind === "int" ? "a whole number" : "a number"}`
      : check(n);
  if (problem) {
    if (v.kind !== "poison")
      ev.report({
        code: "G0605",
        message: `\`${s.key.name}\` ${problem}`,
        span: s.value.span,
        label: `this is ${n !== undefined ? shown(n) : describeKind(v)}`,
      });
    return undefined;
  }
  return n === 0 ? 0 : n; // -0 is 0
}

function article(what: string): string {
  return /^[aeiou]/.test(what) ? `an ${what}` : `a ${what}`;
}
