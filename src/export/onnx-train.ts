/**
 * @file A Plan's programs as ONNX models for ONNX Runtime (`--backend onnx`). `train` is the whole
 * training step in one graph: the training graph (forward, loss, metrics and every `d_<param>`
 * from Grove's own differentiation), then clipping by the global norm and the optimizer update
 * (onnx-train-optimizer.ts). Its inputs are the batch, the per-step scalars, the parameters, the
 * model's state and the optimizer moments; its outputs the loss, metrics, gradients and the
 * updated parameters, moments and states. `eval` is the evaluation graph (model outputs, loss and metrics with `training()` = 0).
 * Shapes are the plan's, concrete: a runner per batch size, as on the other backends.
 */
import type { CompiledPlan } from "../codegen/compile.js";
import type { OptimizerSpec } from "../ops/optimizers.js";
import { modelTensors, type Plan } from "../codegen/plan.js";
import { InternalError, type Span } from "../diag/diagnostic.js";
import { stateOutput } from "../ir/lower.js";
import type { Graph, Node, NodeOf } from "../ir/node.js";
import type { Dtype, Op } from "../ops/ops.js";
import { fixed, type BatchGraph } from "./batch.js";
import { ONNX_IR_VERSION, ONNX_OPSET } from "./onnx.js";
import { encodeModel, type ValueInfoMessage } from "./onnx-proto.js";
import { clipScale, F32Ops, globalNorm, updateRule } from "./onnx-train-optimizer.js";
import { trainRules, type TrainRow } from "./onnx-train-rules.js";
import { dataTypeOf, OnnxWriter, type Locate } from "./onnx-writer.js";

/** A random draw the host computes and feeds (ONNX's generators draw other numbers than Philox). */
export interface RandomDraw {
  readonly op: "random_uniform" | "random_normal";
  readonly shape: readonly number[];
  readonly seed: number;
  readonly stream: number;
  /** Whether the draw's counter is the training step (`@step`), else 0. */
  readonly perStep: boolean;
}

/** What feeds one graph input. */
export type Feed =
  | { readonly kind: "input" | "param" | "uniform"; readonly onnx: string; readonly name: string }
  | { readonly kind: "random"; readonly onnx: string; readonly draw: RandomDraw };

/** What one graph output holds: a plan output, a gradient, or a parameter's or moment's update. */
export interface Fetch {
  readonly kind: "output" | "grad" | "update";
  readonly onnx: string;
  /** The plan output, or the parameter (or `m:`/`v:` moment) it belongs to. */
  readonly name: string;
}

/** One program as an ONNX model with what feeds and fetches each of its values. */
export interface StepModel {
  readonly program: string;
  readonly bytes: Uint8Array;
  readonly feeds: readonly Feed[];
  readonly fetches: readonly Fetch[];
}

/** ONNX names of the values Grove adds; `:` keeps them apart from `.grove` names and IR values. */
export const stepNames = {
  uniform: (field: string) => `uniform:${field}`,
  random: (node: Node) => `random:%${node.id}`,
  grad: (param: string) => `grad:${param}`,
  update: (name: string) => `new:${name}`,
};

const isRandom = (n: Node): n is NodeOf<"random_uniform" | "random_normal"> =>
  n.op === "random_uniform" || n.op === "random_normal";

/** A graph whose shapes are all concrete, seen as a `BatchGraph` where nothing depends on N. */
function concrete(graph: Graph): BatchGraph {
  return {
    graph,
    shape: (node) => node.shape.map(fixed),
    attr: (node, key) => {
      const v = (node.attrs as Record<string, unknown>)[key];
      return Array.isArray(v) ? v.map((x: number) => fixed(x)) : fixed(v as number);
    },
  };
}

/** The nodes `targets` read, without the counters of random draws (the host draws them). */
function liveNodes(targets: readonly Node[]): Set<Node> {
  const live = new Set<Node>();
  const stack = [...targets];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (live.has(n)) continue;
    live.add(n);
    if (!isRandom(n)) stack.push(...n.inputs);
  }
  return live;
}

function tensorInfo(name: string, dtype: Dtype, shape: readonly number[]): ValueInfoMessage {
  const dim = shape.map((d) => ({ dimValue: d }));
  return { name, type: { tensorType: { elemType: dataTypeOf[dtype], shape: { dim } } } };
}

const plainLocate: Locate = (span: Span) => `${span.file}@${span.start}`;

/** Builds one step model: the graph's nodes, then what `extend` adds, then the outputs. */
class StepBuilder {
  readonly w: OnnxWriter;
  readonly feeds = new Map<string, Feed>();
  readonly fetches: Fetch[] = [];
  readonly outputs: ValueInfoMessage[] = [];

  constructor(
    readonly graph: Graph,
    private readonly plan: Plan,
    locate: Locate,
  ) {
    this.w = new OnnxWriter(concrete(graph), "N", locate);
  }

  /** Declares a graph input once. */
  feed(feed: Feed, info: ValueInfoMessage): string {
    if (!this.feeds.has(feed.onnx)) {
      this.feeds.set(feed.onnx, feed);
      this.w.inputs.push(info);
    }
    return feed.onnx;
  }

  /** A parameter, model state or optimizer moment, by its plan name, as a graph input. */
  param(name: string): string {
    const t = [...modelTensors(this.plan), ...this.plan.state].find((p) => p.name === name);
    if (!t) throw new InternalError(`the plan has no parameter, state or moment ${name}`);
    return this.feed({ kind: "param", onnx: name, name }, tensorInfo(name, "f32", t.shape));
  }

  /** A per-step scalar, as a 0-d float graph input. */
  uniform(field: string): string {
    const onnx = stepNames.uniform(field);
    return this.feed({ kind: "uniform", onnx, name: field }, tensorInfo(onnx, "f32", []));
  }

  /** Writes every node the `targets` need, through `trainRules`. */
  lower(targets: readonly Node[]): void {
    const live = liveNodes(targets);
    const w = this.w;
    for (const node of this.graph.nodes) {
      if (!live.has(node)) continue;
      if (node.op === "param" || node.op === "state") {
        w.lower(node, () => this.param(node.attrs.name));
        continue;
      }
      if (node.op === "input") {
        const name = node.attrs.name;
        w.lower(node, () =>
          this.feed({ kind: "input", onnx: name, name }, w.valueInfo(name, node)),
        );
        continue;
      }
      if (isRandom(node)) {
        const draw: RandomDraw = {
          op: node.op,
          shape: node.shape,
          seed: node.attrs.seed,
          stream: node.attrs.stream,
          perStep: node.inputs.length > 0,
        };
        const onnx = stepNames.random(node);
        w.lower(node, () => this.feed({ kind: "random", onnx, draw }, w.valueInfo(onnx, node)));
        continue;
      }
      const rule = trainRules[node.op] as TrainRow<Op>;
      if (typeof rule !== "function")
        throw new InternalError(`\`${node.op}\` is fed (${rule.fed}), but was not`);
      w.lower(node, () => rule(w, node));
    }
  }

  /** Makes the IR node `node` the graph output `onnx`. */
  output(fetch: Fetch, node: Node): void {
    this.outputs.push(this.w.output(fetch.onnx, node));
    this.fetches.push(fetch);
  }

  /** Makes the value `value` (made by a node of Grove's own, `%u<k>`) the graph output `onnx`. */
  renamed(fetch: Fetch, value: string, dtype: Dtype, shape: readonly number[]): void {
    for (const n of this.w.nodes) {
      n.input = n.input.map((v) => (v === value ? fetch.onnx : v));
      n.output = n.output.map((v) => (v === value ? fetch.onnx : v));
    }
    this.outputs.push(tensorInfo(fetch.onnx, dtype, shape));
    this.fetches.push(fetch);
  }

  build(program: string, name: string): StepModel {
    const bytes = encodeModel({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: "", version: ONNX_OPSET }],
      producerName: "grove",
      producerVersion: "",
      graph: {
        name: `${name} ${program}`,
        node: this.w.nodes,
        initializer: [],
        input: this.w.inputs,
        output: this.outputs,
      },
    });
    return { program, bytes, feeds: [...this.feeds.values()], fetches: this.fetches };
  }
}

/** The IR node of each program output the host reads (`grad_norm` is the update's). */
function programOutputs(graph: Graph, plan: Plan, program: string): [string, Node][] {
  return plan.programs[program]!.outputs.filter((o) => o !== "grad_norm").map((o) => {
    const node = graph.outputs.get(o);
    if (!node) throw new InternalError(`program "${program}": the graph has no output "${o}"`);
    return [o, node];
  });
}

export interface StepModelOptions {
  /** The model's name, for the graph's. */
  readonly name?: string;
  /** `.grove` locations in node doc strings (default: `file@offset`). */
  readonly locate?: Locate;
}

/**
 * The `train` program: the training graph's loss, metrics and gradients, then clipping (when the
 * plan has the `clip` uniform) and `optimizer`'s update of every parameter that is not frozen and
 * its moments, each with its `groups` rule. Every primitive has a row in `trainRules`.
 */
export function trainModel(
  compiled: CompiledPlan,
  optimizer: OptimizerSpec,
  options: StepModelOptions = {},
): StepModel {
  const { plan } = compiled;
  const rules = compiled.compiled.paramRules ?? {};
  const graph = compiled.compiled.training;
  const b = new StepBuilder(graph, plan, options.locate ?? plainLocate);
  const outputs = programOutputs(graph, plan, "train");
  // A frozen parameter has no gradient, no share in the clipping norm and no update (as on the
  // CPU backend); its value and moments stay the runner's tensors.
  const trained = plan.params.filter((p) => !rules[p.name]?.frozen);
  const grads = trained.map((p): [string, Node] => {
    const node = graph.outputs.get(`d_${p.name}`);
    if (!node) throw new InternalError(`the training graph has no gradient d_${p.name}`);
    return [p.name, node];
  });
  // Each updated state's new value is fetched like a parameter's update.
  const updates = (plan.modelState ?? []).flatMap((s): [string, Node][] => {
    const node = graph.outputs.get(stateOutput(s.name));
    return node ? [[s.name, node]] : [];
  });
  b.lower([...outputs, ...grads, ...updates].map(([, n]) => n));
  const x = new F32Ops(b.w, (field) => b.uniform(field));
  const gradValues = grads.map(([, n]) => b.w.value(n));
  let scale: string | undefined;
  if (plan.uniforms?.fields.includes("clip") && grads.length > 0) {
    let norm = globalNorm(x, gradValues);
    if (plan.outputs.some((o) => o.name === "grad_norm")) {
      b.renamed({ kind: "output", onnx: "grad_norm", name: "grad_norm" }, norm, "f32", []);
      norm = "grad_norm";
    }
    scale = clipScale(x, norm, b.uniform("clip"));
  }
  trained.forEach((p, k) => {
    const rule = updateRule(optimizer, rules[p.name])!;
    const g = scale ? x.mul(gradValues[k]!, scale) : gradValues[k]!;
    const state = Object.fromEntries(rule.moments.map((m) => [m, b.param(`${m}:${p.name}`)]));
    const next = rule.apply(x, { p: b.param(p.name), g, state });
    b.renamed(
      { kind: "update", onnx: stepNames.update(p.name), name: p.name },
      next.p,
      "f32",
      p.shape,
    );
    for (const m of rule.moments) {
      const name = `${m}:${p.name}`;
      b.renamed(
        { kind: "update", onnx: stepNames.update(name), name },
        next.state[m]!,
        "f32",
        p.shape,
      );
    }
  });
  for (const [name, node] of outputs) b.output({ kind: "output", onnx: name, name }, node);
  for (const [name, node] of grads)
    b.output({ kind: "grad", onnx: stepNames.grad(name), name }, node);
  for (const [name, node] of updates)
    b.output({ kind: "update", onnx: stepNames.update(name), name }, node);
  return b.build("train", options.name ?? "grove");
}

/** The `eval` program: the evaluation graph's model outputs, loss and metrics. */
export function evalModel(compiled: CompiledPlan, options: StepModelOptions = {}): StepModel {
  const graph = compiled.evaluation;
  const b = new StepBuilder(graph, compiled.plan, options.locate ?? plainLocate);
  const outputs = programOutputs(graph, compiled.plan, "eval");
  b.lower(outputs.map(([, n]) => n));
  for (const [name, node] of outputs) b.output({ kind: "output", onnx: name, name }, node);
  return b.build("eval", options.name ?? "grove");
}

/** The model of each program a plan has. */
export const stepModels: Readonly<
  Record<string, (c: CompiledPlan, o: OptimizerSpec, options?: StepModelOptions) => StepModel>
> = {
  train: trainModel,
  eval: (c, _o, options) => evalModel(c, options),
};
