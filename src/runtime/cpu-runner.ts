/**
 * @file `CpuRunner`: the CPU backend. Runs a Plan's programs on the host through the reference
 * interpreter (float32) instead of its WGSL kernels: `train` interprets the training graph (loss,
 * metrics, every `d_<param>`), then clips by the global norm and applies the host optimizer with
 * the update kernel's math (with the section's parameter groups: frozen parameters have no
 * gradient and no update, a group's parameters its own weight decay and learning-rate scale, as
 * the kernel's branches do); `eval` interprets the evaluation graph. Tensors keep the Plan's names,
 * shapes and optimizer-state layout, so parameters and moments move between this and `PlanRunner`
 * unchanged. Slow, but it needs no GPU and gives the same numbers up to float32 rounding.
 */
import { compilePlan, type CompiledPlan, type PlanOptions } from "../codegen/compile.js";
import { groupSpec } from "../codegen/optimizer.js";
import type { OptimizerSpec } from "../ops/optimizers.js";
import { modelTensors, type Plan, type PlanTensor } from "../codegen/plan.js";
import { CompileError, InternalError, UsageError } from "../diag/diagnostic.js";
import { interpret } from "../ir/interpret.js";
import { stateOutput } from "../ir/lower.js";
import type { Graph, Node } from "../ir/node.js";
import type { ElaboratedTrain, ParamRules } from "../parser/check/values.js";
import { cpuSizeProblem, CpuSizeError } from "./cpu-limits.js";
import { clipScale, globalNorm, hostOptimizer, type HostOptimizer } from "./host-optimizer.js";
import { checkedUniforms, type HostArray, type StepRunner } from "./step-runner.js";

interface Program {
  readonly graph: Graph;
  readonly inputs: readonly string[];
  /** Host outputs of the program and the graph nodes that compute them. */
  readonly outputs: readonly (readonly [string, Node])[];
  /** Updates the parameters (the `train` program). */
  readonly update: boolean;
}

/** How one parameter is updated: its optimizer and learning-rate scale (absent: 1). */
interface Updater {
  readonly optimizer: HostOptimizer;
  readonly lrScale?: number;
}

/** The updater of every parameter that trains (frozen ones have none). */
function updaters(
  plan: Plan,
  spec: OptimizerSpec,
  host: HostOptimizer,
  rules: ParamRules,
): Map<string, Updater> {
  const out = new Map<string, Updater>();
  for (const p of plan.params) {
    const rule = rules[p.name];
    if (rule?.frozen) continue;
    if (!rule) out.set(p.name, { optimizer: host });
    else
      out.set(p.name, {
        optimizer: hostOptimizer(groupSpec(spec, rule)),
        ...(rule.lrScale !== undefined && rule.lrScale !== 1 ? { lrScale: rule.lrScale } : {}),
      });
  }
  return out;
}

const f = Math.fround;
const elements = (t: PlanTensor) => t.shape.reduce((a, d) => a * d, 1);
const zeros = (t: PlanTensor): HostArray =>
  t.dtype === "i32" ? new Int32Array(elements(t)) : new Float32Array(elements(t));

export class CpuRunner implements StepRunner {
  private readonly inputs = new Map<string, HostArray>();
  /** Parameters and optimizer state, by their Plan names. */
  private readonly values = new Map<string, Float32Array>();
  private readonly outputs = new Map<string, HostArray>();
  private readonly grads = new Map<string, Float32Array>();
  private uniforms: Readonly<Record<string, number>> | undefined;
  private destroyed = false;
  private readonly tensors: {
    readonly inputs: ReadonlyMap<string, PlanTensor>;
    readonly outputs: ReadonlyMap<string, PlanTensor>;
    readonly params: ReadonlyMap<string, PlanTensor>;
    readonly grads: ReadonlyMap<string, PlanTensor>;
  };

  private constructor(
    readonly plan: Plan,
    private readonly programs: ReadonlyMap<string, Program>,
    private readonly optimizer: HostOptimizer,
    private readonly updaters: ReadonlyMap<string, Updater>,
  ) {
    const byName = (list: readonly PlanTensor[]) => new Map(list.map((t) => [t.name, t]));
    this.tensors = {
      inputs: byName(plan.inputs),
      outputs: byName(plan.outputs),
      params: byName([...modelTensors(plan), ...plan.state]),
      grads: byName(plan.grads ?? []),
    };
    for (const t of [...modelTensors(plan), ...plan.state])
      this.values.set(t.name, new Float32Array(elements(t)));
    for (const t of plan.outputs) this.outputs.set(t.name, zeros(t));
    for (const t of plan.grads ?? []) this.grads.set(t.name, new Float32Array(elements(t)));
  }

  /**
   * A runner for `compiled` (what `compilePlan` returns: the Plan and its IR graphs) with the train
   * section's `optimizer`. Parameters, state and outputs start at zero, as on the GPU. Throws an
   * `InternalError` when the Plan and the graphs or the optimizer do not fit together, and a
   * `CpuSizeError` before allocating anything when a tensor or the whole step would pass
   * `cpuLimits` (callers report `cpuSizeDiagnostics` first; this is the backstop).
   */
  static create(compiled: CompiledPlan, optimizer: OptimizerSpec): CpuRunner {
    const { plan } = compiled;
    const tooLarge = cpuSizeProblem(compiled);
    if (tooLarge) throw new CpuSizeError(tooLarge);
    const graphs = { training: compiled.compiled.training, evaluation: compiled.evaluation };
    const host = hostOptimizer(optimizer);
    const rules = compiled.compiled.paramRules ?? {};
    const moments = [...new Set(plan.state.map((s) => s.name.slice(0, s.name.indexOf(":"))))];
    if (plan.params.length > 0 && moments.join() !== host.moments.join())
      throw new InternalError(
        `the plan keeps moments [${moments}] but the host ${optimizer.name} keeps [${host.moments}]`,
      );
    const programs = new Map<string, Program>();
    for (const [name, program] of Object.entries(plan.programs)) {
      const graph =
        name === "train" ? graphs.training : name === "eval" ? graphs.evaluation : undefined;
      if (!graph) throw new InternalError(`the CPU backend cannot run program "${name}"`);
      const outputs = program.outputs
        .filter((o) => o !== "grad_norm")
        .map((o) => {
          const node = graph.outputs.get(o);
          if (!node) throw new InternalError(`program "${name}": the graph has no output "${o}"`);
          return [o, node] as const;
        });
      for (const i of program.inputs)
        if (!graph.inputs.has(i))
          throw new InternalError(`program "${name}": the graph has no input "${i}"`);
      const update = name === "train" && plan.params.length > 0;
      if (update)
        for (const p of plan.params)
          if (!rules[p.name]?.frozen && !graph.outputs.has(`d_${p.name}`))
            throw new InternalError(`the training graph has no gradient d_${p.name}`);
      programs.set(name, { graph, inputs: program.inputs, outputs, update });
    }
    return new CpuRunner(plan, programs, host, updaters(plan, optimizer, host, rules));
  }

  /**
   * Compiles `train` for `options.batch` (default: the section's) with `compilePlan` and creates
   * a runner with the section's optimizer. Throws when the section does not compile.
   */
  static fromTrain(train: ElaboratedTrain, options: PlanOptions = {}): CpuRunner {
    const r = compilePlan(train, options);
    if (!r.value)
      throw new CompileError(
        `compiling the plan for batch ${options.batch ?? train.batch}`,
        r.diagnostics,
      );
    return CpuRunner.create(r.value, train.optimizer);
  }

  /** Nothing to compile on the host; checks that the program exists. */
  async prepare(programName: string): Promise<void> {
    this.assertUsable();
    this.program(programName);
  }

  /** Always ready: the host runs every program as it is. */
  async ready(): Promise<void> {
    this.assertUsable();
  }

  readonly compiling = false;

  writeInput(name: string, data: HostArray): void {
    const t = this.find("input", this.tensors.inputs, name);
    this.inputs.set(name, this.copy(t, data));
  }

  writeParam(name: string, data: HostArray): void {
    const t = this.find("param or state", this.tensors.params, name);
    this.values.set(name, this.copy(t, data) as Float32Array);
  }

  async readParam(name: string): Promise<HostArray> {
    this.find("param or state", this.tensors.params, name);
    return this.values.get(name)!.slice();
  }

  async readGrad(name: string): Promise<HostArray> {
    this.find("gradient", this.tensors.grads, name);
    return this.grads.get(name)!.slice();
  }

  async readOutput(name: string): Promise<HostArray> {
    this.find("output", this.tensors.outputs, name);
    return this.outputs.get(name)!.slice();
  }

  readOutputs(names: readonly string[]): Promise<HostArray[]> {
    return Promise.all(names.map((n) => this.readOutput(n)));
  }

  /** Stores the scalars rounded to float32, as the GPU's uniform buffer holds them. */
  writeUniforms(values: Readonly<Record<string, number>>): void {
    this.assertUsable();
    this.uniforms = checkedUniforms(this.plan.uniforms?.fields, values);
  }

  /**
   * Runs `programName` to completion: interprets its graph with every written input and the
   * current parameters bound by name, stores its outputs and, for `train`, the gradients, the
   * global norm when the plan clips, and the updated parameters and moments.
   */
  run(programName: string): void {
    this.assertUsable();
    const program = this.program(programName);
    const bindings: Record<string, HostArray> = {};
    for (const name of program.inputs) {
      const data = this.inputs.get(name);
      if (!data)
        throw new UsageError(
          `run("${programName}"): input "${name}" was never written (writeInput)`,
        );
      bindings[name] = data;
    }
    if (program.update && !this.uniforms)
      throw new UsageError(
        `run("${programName}"): the uniforms were never written (writeUniforms)`,
      );
    for (const p of modelTensors(this.plan)) bindings[p.name] = this.values.get(p.name)!;
    const trained = program.update ? this.plan.params.filter((p) => this.updaters.has(p.name)) : [];
    const grads = trained.map((p) => program.graph.outputs.get(`d_${p.name}`)!);
    const updates = stateUpdates(this.plan, program.graph, programName);
    const nodes = [...program.outputs.map(([, n]) => n), ...grads, ...updates.map(([, n]) => n)];
    const values = interpret(program.graph, bindings, { precision: "f32", nodes });
    for (const [name, node] of program.outputs)
      this.outputs.set(name, toHost(values.get(node)!.data));
    // The state's new values, as the train program's last dispatches copy them.
    for (const [name, node] of updates)
      this.values.set(name, Float32Array.from(values.get(node)!.data));
    if (!program.update) return;
    trained.forEach((p, k) =>
      this.grads.set(p.name, toHost(values.get(grads[k]!)!.data) as Float32Array),
    );
    this.step();
  }

  /** Clipping and the optimizer update, from the gradients of the last `train` run. */
  private step(): void {
    const u = this.uniforms!;
    let scale = 1;
    if (this.plan.uniforms?.fields.includes("clip")) {
      const norm = globalNorm(this.grads.values());
      if (this.outputs.has("grad_norm")) this.outputs.set("grad_norm", Float32Array.of(norm));
      scale = clipScale(norm, u.clip ?? 0);
    }
    const scalars = { lr: u.lr ?? 0, bc1: u.bc1 ?? 1, bc2: u.bc2 ?? 1 };
    for (const p of this.plan.params) {
      const updater = this.updaters.get(p.name);
      if (!updater) continue; // frozen
      const state: Record<string, Float32Array> = {};
      for (const m of this.optimizer.moments) state[m] = this.values.get(`${m}:${p.name}`)!;
      // WGSL: let lr = u.lr * lrScale;  (both f32)
      const lr = updater.lrScale === undefined ? scalars.lr : f(f(scalars.lr) * f(updater.lrScale));
      updater.optimizer.update(
        this.values.get(p.name)!,
        this.grads.get(p.name)!,
        state,
        { ...scalars, lr },
        scale,
      );
    }
  }

  destroy(): void {
    this.destroyed = true;
    this.inputs.clear();
  }

  private assertUsable(): void {
    if (this.destroyed) throw new UsageError("this CpuRunner was destroyed");
  }

  private program(name: string): Program {
    const program = this.programs.get(name);
    if (!program) {
      const known = [...this.programs.keys()].join(", ");
      throw new UsageError(`no program "${name}" in this plan; it has ${known || "none"}`);
    }
    return program;
  }

  private find(kind: string, map: ReadonlyMap<string, PlanTensor>, name: string): PlanTensor {
    this.assertUsable();
    const tensor = map.get(name);
    if (tensor) return tensor;
    const known = [...map.keys()].join(", ");
    throw new UsageError(`no ${kind} "${name}" in this plan; it has ${known || "none"}`);
  }

  private copy(tensor: PlanTensor, data: HostArray): HostArray {
    const wantArray = tensor.dtype === "i32" ? Int32Array : Float32Array;
    if (!(data instanceof wantArray) || data.length !== elements(tensor)) {
      throw new UsageError(
        `"${tensor.name}" holds ${elements(tensor)} ${tensor.dtype} values (a ${wantArray.name}); ` +
          `got a ${data.constructor.name} of length ${data.length}`,
      );
    }
    return data.slice();
  }
}

/** The updated states of a `train` run and the nodes of their new values (`state:NAME`). */
function stateUpdates(plan: Plan, graph: Graph, program: string): [string, Node][] {
  if (program !== "train") return [];
  return (plan.modelState ?? []).flatMap((s) => {
    const n = graph.outputs.get(stateOutput(s.name));
    return n ? [[s.name, n]] : [];
  });
}

/** An interpreter result as the host arrays a runner returns (f32 results are Float32Arrays). */
function toHost(data: Float32Array | Float64Array | Int32Array): HostArray {
  return data instanceof Float64Array ? Float32Array.from(data) : data;
}
