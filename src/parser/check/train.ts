/**
 * @file Checking a `train` section: its settings (each known once, command-line overrides over
 * the file's; `data`, `loss` and `optimizer` required; `batch`, `epochs`, `seed`,
 * `clip_grad_norm` as numbers; `freeze` and `groups` through `param-groups.ts`), and the order
 * of the rest: the data source, optimizer and schedule calls (`train-calls.ts`, against the
 * records in `src/ops`), the model elaborated for the data's fields (`train-fit.ts`), then the
 * loss and metrics, which must be f32 scalars (`train-metrics.ts`).
 */
import type { Span } from "../../diag/diagnostic.js";
import { count, countLimits, positiveF32 } from "../../ops/call-schema.js";
import { dataSources, sourceFields } from "../../ops/data-sources.js";
import { optimizerSchemas, type OptimizerSpec } from "../../ops/optimizers.js";
import { defaultSchedule, scheduleSchemas, type ScheduleSpec } from "../../ops/schedules.js";
import type * as A from "../ast.js";
import { dimValue } from "./dims.js";
import { Evaluator } from "./evaluate.js";
import type { DiagnosticSink } from "./sink.js";
import { elaborateModel } from "./model.js";
import { freezePatterns, resolveParamRules, type GroupSpec } from "./param-groups.js";
import { shown } from "./ranges.js";
import { didYouMean } from "./suggest.js";
import { checkCall, paramGroupCalls } from "./train-calls.js";
import { fieldScope, fitInputs, presetDims } from "./train-fit.js";
import { checkMetrics, scalar, trainScope } from "./train-metrics.js";
import { describeKind, type ElaboratedTrain, type ParamRules, type Scope } from "./values.js";

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

  const fields = sourceFields(data);
  const preset = presetDims(model, fields);
  const m = elaborateModel(ev, model, preset);
  if (!fitInputs(ev, model, fields, m.inputs, data)) return undefined;

  // Loss and metrics see the model's outputs, then the data fields.
  const scope = trainScope(model, m, fields, fieldScope(ev, globals, fields, m.inputs, data));
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

  const metricSetting = settings.get("metrics");
  const metrics = metricSetting ? checkMetrics(ev, metricSetting.value, scope, outputs) : [];
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
    graph: ev.graph(outputs),
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

/** A number setting, `fallback` when it is not given; undefined after an error (G0605). */
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
