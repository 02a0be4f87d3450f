/**
 * @file `OnnxRunner`: the `--backend onnx` runner. Each program of a Plan is one ONNX model
 * (onnx-train.ts) run by onnxruntime-node on its CPU execution provider with a thread per core.
 * Parameters and optimizer moments stay ONNX Runtime tensors between steps: a `train` run reads
 * them as inputs and writes their updates into a second set of tensors, which then become the
 * current ones, so no step copies them through JavaScript arrays; reads copy only what is asked.
 * Runs are asynchronous in onnxruntime-node, so every call after `run` (writes, reads, further
 * runs) is queued behind it in call order, which keeps the `StepRunner` contract: writes take
 * effect for later runs, reads see every run made before them.
 */
import { UsageError, UserError } from "../diag/diagnostic.js";
import { availableParallelism } from "node:os";
import type { CompiledPlan } from "../codegen/compile.js";
import type { OptimizerSpec } from "../ops/optimizers.js";
import { modelTensors, type Plan, type PlanTensor } from "../codegen/plan.js";
import { normalAt, uniformInto } from "../ir/random.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { checkedUniforms, type HostArray, type StepRunner } from "../runtime/step-runner.js";
import type { RunnerFactory } from "../session/runners.js";
import { stepModels, type Feed, type RandomDraw, type StepModel } from "./onnx-train.js";

/** An ONNX Runtime tensor, as far as the runner uses one. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly size: number;
}

/** An ONNX Runtime session: `fetches` may give the tensors an output is written into. */
export interface OrtSession {
  run(
    feeds: Readonly<Record<string, OrtTensor>>,
    fetches: Readonly<Record<string, OrtTensor | null>>,
  ): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/**
 * The part of onnxruntime-node's API the runner uses, declared here so that Grove builds (and its
 * other backends run) without the optional package.
 */
export interface Ort {
  readonly Tensor: new (
    type: "float32" | "int32",
    data: Float32Array | Int32Array,
    dims: readonly number[],
  ) => OrtTensor;
  readonly InferenceSession: {
    create(model: Uint8Array, options: Readonly<Record<string, unknown>>): Promise<OrtSession>;
  };
}
type Tensor = OrtTensor;
type Session = OrtSession;

/** The optional package, named through a variable so that type checking does not need it. */
const ortPackage = "onnxruntime-node";

/** How to install the optional dependency, for the one-line message when it is missing. */
export const onnxInstallHint = "npm install onnxruntime-node --onnxruntime-node-install=skip";

/** onnxruntime-node is not installed (or cannot load here). */
export class OnnxRuntimeMissingError extends UserError {}

/**
 * Imports onnxruntime-node (an optional dependency). A missing package or a native library that
 * does not load is an `OnnxRuntimeMissingError` whose message says how to install it.
 */
export async function loadOnnxRuntime(
  importer: () => Promise<Ort> = () => import(ortPackage) as Promise<Ort>,
): Promise<Ort> {
  try {
    return await importer();
  } catch (e) {
    const code = (e as { code?: string }).code;
    const missing = code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
    const why = missing
      ? "onnxruntime-node is not installed"
      : `onnxruntime-node could not be loaded (${String((e as Error).message ?? e).split("\n")[0]})`;
    throw new OnnxRuntimeMissingError(
      `--backend onnx needs the optional package onnxruntime-node, but ${why}; install it with: ${onnxInstallHint}`,
    );
  }
}

export interface OnnxRunnerOptions {
  /** Threads of ONNX Runtime's intra-op pool (default: the cores available to this process). */
  readonly threads?: number;
}

/** The `--backend onnx` runners of a session, made from each compiled plan. */
export function onnxRunnerFactory(ort: Ort, options: OnnxRunnerOptions = {}): RunnerFactory {
  return {
    name: "onnx",
    createRunner: async (compiled: CompiledPlan, train: ElaboratedTrain) =>
      OnnxRunner.create(ort, compiled, train.optimizer, { ...options, name: train.model }),
  };
}

const elements = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);
const ortType = (dtype: "f32" | "i32") => (dtype === "i32" ? "int32" : "float32");
const zeros = (t: PlanTensor): HostArray =>
  t.dtype === "i32" ? new Int32Array(elements(t.shape)) : new Float32Array(elements(t.shape));

/** What a run reads besides the parameters: inputs and uniforms as they were at `run`. */
interface RunInputs {
  readonly inputs: ReadonlyMap<string, HostArray>;
  readonly uniforms: Readonly<Record<string, number>> | undefined;
}

export class OnnxRunner implements StepRunner {
  readonly compiling = false;
  private readonly sessions = new Map<string, Promise<{ model: StepModel; session: Session }>>();
  /** Parameters and moments by plan name: the tensors the next run reads. */
  private values = new Map<string, Tensor>();
  /** Where the next `train` run writes each parameter's and moment's update. */
  private spare = new Map<string, Tensor>();
  private readonly grads = new Map<string, Tensor>();
  private readonly outputs = new Map<string, HostArray>();
  private readonly inputs = new Map<string, HostArray>();
  private uniforms: Readonly<Record<string, number>> | undefined;
  private readonly draws = new Map<string, { counter: number; data: Float32Array }>();
  private queue: Promise<void> = Promise.resolve();
  /** The first run that failed: every later read rejects with its error. */
  private failure: { readonly error: unknown } | undefined;
  private destroyed = false;
  private readonly tensors: ReadonlyMap<string, ReadonlyMap<string, PlanTensor>>;

  private constructor(
    private readonly ort: Ort,
    readonly compiled: CompiledPlan,
    private readonly optimizer: OptimizerSpec,
    private readonly options: OnnxRunnerOptions & { readonly name?: string },
  ) {
    const plan = compiled.plan;
    const byName = (list: readonly PlanTensor[]) => new Map(list.map((t) => [t.name, t]));
    this.tensors = new Map([
      ["input", byName(plan.inputs)],
      ["output", byName(plan.outputs)],
      ["param or state", byName([...modelTensors(plan), ...plan.state])],
      ["gradient", byName(plan.grads ?? [])],
    ]);
    const f32 = (shape: readonly number[]) =>
      new ort.Tensor("float32", new Float32Array(elements(shape)), shape);
    for (const t of [...modelTensors(plan), ...plan.state]) {
      this.values.set(t.name, f32(t.shape));
      this.spare.set(t.name, f32(t.shape));
    }
    for (const t of plan.grads ?? []) this.grads.set(t.name, f32(t.shape));
    for (const t of plan.outputs) this.outputs.set(t.name, zeros(t));
  }

  /** A runner for `compiled` with the train section's `optimizer`; values start at zero. */
  static async create(
    ort: Ort,
    compiled: CompiledPlan,
    optimizer: OptimizerSpec,
    options: OnnxRunnerOptions & { readonly name?: string } = {},
  ): Promise<OnnxRunner> {
    return new OnnxRunner(ort, compiled, optimizer, options);
  }

  get plan(): Plan {
    return this.compiled.plan;
  }

  /** Lowers `program` to ONNX and creates its ONNX Runtime session (once). */
  async prepare(program: string): Promise<void> {
    this.assertUsable();
    await this.session(program);
  }

  async ready(): Promise<void> {
    this.assertUsable();
  }

  writeInput(name: string, data: HostArray): void {
    this.inputs.set(name, this.copy(this.find("input", name), data));
  }

  writeParam(name: string, data: HostArray): void {
    const t = this.find("param or state", name);
    const tensor = new this.ort.Tensor("float32", this.copy(t, data), t.shape);
    this.enqueue(() => void this.values.set(name, tensor));
  }

  readParam(name: string): Promise<HostArray> {
    this.find("param or state", name);
    return this.enqueue(() => (this.values.get(name)!.data as Float32Array).slice());
  }

  readGrad(name: string): Promise<HostArray> {
    this.find("gradient", name);
    return this.enqueue(() => (this.grads.get(name)!.data as Float32Array).slice());
  }

  readOutput(name: string): Promise<HostArray> {
    this.find("output", name);
    return this.enqueue(() => this.outputs.get(name)!.slice());
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
   * Queues a run of `programName` with the inputs and uniforms written so far; its results (and
   * any error) are seen by the reads that follow.
   */
  run(programName: string): void {
    this.assertUsable();
    const program = this.plan.programs[programName];
    if (!program) {
      const known = Object.keys(this.plan.programs).join(", ");
      throw new UsageError(`no program "${programName}" in this plan; it has ${known || "none"}`);
    }
    for (const name of program.inputs)
      if (!this.inputs.has(name))
        throw new UsageError(
          `run("${programName}"): input "${name}" was never written (writeInput)`,
        );
    if (programName === "train" && this.plan.uniforms && !this.uniforms)
      throw new UsageError(
        `run("${programName}"): the uniforms were never written (writeUniforms)`,
      );
    const snapshot: RunInputs = { inputs: new Map(this.inputs), uniforms: this.uniforms };
    this.enqueue(() => this.execute(programName, snapshot)).catch((error: unknown) => {
      this.failure ??= { error };
    });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.inputs.clear();
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    // After the queued work, so no run meets a released session.
    void this.queue.then(async () => {
      for (const s of sessions) await (await s.catch(() => undefined))?.session.release();
    });
  }

  /**
   * Runs `job` after everything queued so far, unless a run failed before it (then its promise
   * rejects with that run's error); a failed job fails its own promise only.
   */
  private enqueue<T>(job: () => T | Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (this.failure) throw this.failure.error;
      return job();
    });
    this.queue = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  private session(program: string): Promise<{ model: StepModel; session: Session }> {
    let s = this.sessions.get(program);
    if (!s) {
      s = this.createSession(program);
      this.sessions.set(program, s);
    }
    return s;
  }

  private async createSession(program: string): Promise<{ model: StepModel; session: Session }> {
    const build = stepModels[program];
    if (!build) throw new UsageError(`--backend onnx cannot run program "${program}"`);
    const model = build(this.compiled, this.optimizer, {
      ...(this.options.name ? { name: this.options.name } : {}),
    });
    const session = await this.ort.InferenceSession.create(model.bytes, {
      executionProviders: ["cpu"],
      intraOpNumThreads: this.options.threads ?? availableParallelism(),
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
      // Pool threads that spin between kernels take the core from whatever else runs: with one
      // of two cores busy elsewhere, the large benchmark MLP's step ran at 22-36 steps/s
      // spinning and 62-69 not (docs/export.md).
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    });
    return { model, session };
  }

  /** One run: feeds by name, updates written into the spare tensors, which become current. */
  private async execute(program: string, given: RunInputs): Promise<void> {
    const { model, session } = await this.session(program);
    const feeds: Record<string, Tensor> = {};
    for (const feed of model.feeds) feeds[feed.onnx] = this.feedTensor(feed, given);
    const fetches: Record<string, Tensor | null> = {};
    for (const f of model.fetches)
      fetches[f.onnx] =
        f.kind === "update"
          ? this.spare.get(f.name)!
          : f.kind === "grad"
            ? this.grads.get(f.name)!
            : null;
    const results = await session.run(feeds, fetches);
    const updated = model.fetches.filter((f) => f.kind === "update").map((f) => f.name);
    for (const name of updated) {
      const next = this.spare.get(name)!;
      this.spare.set(name, this.values.get(name)!);
      this.values.set(name, next);
    }
    for (const f of model.fetches)
      if (f.kind === "output") this.outputs.set(f.name, results[f.onnx]!.data as HostArray);
  }

  private feedTensor(feed: Feed, given: RunInputs): Tensor {
    const { Tensor } = this.ort;
    switch (feed.kind) {
      case "param":
        return this.values.get(feed.name)!;
      case "uniform":
        return new Tensor("float32", Float32Array.of(given.uniforms![feed.name]!), []);
      case "input": {
        const t = this.find("input", feed.name);
        return new Tensor(ortType(t.dtype), given.inputs.get(feed.name)!, t.shape);
      }
      case "random": {
        const step = given.inputs.get("@step")?.[0] ?? 0;
        return new Tensor("float32", this.draw(feed.onnx, feed.draw, step), feed.draw.shape);
      }
    }
  }

  /** A random tensor as the interpreter draws it (Philox), recomputed when its counter changes. */
  private draw(key: string, draw: RandomDraw, step: number): Float32Array {
    const counter = draw.perStep ? step : 0;
    const cached = this.draws.get(key);
    if (cached?.counter === counter) return cached.data;
    const data = new Float32Array(elements(draw.shape));
    if (draw.op === "random_uniform") uniformInto(data, draw.seed, draw.stream, counter);
    else
      for (let i = 0; i < data.length; i++) data[i] = normalAt(draw.seed, draw.stream, i, counter);
    this.draws.set(key, { counter, data });
    return data;
  }

  private assertUsable(): void {
    if (this.destroyed) throw new UsageError("this OnnxRunner was destroyed");
  }

  private find(kind: string, name: string): PlanTensor {
    this.assertUsable();
    const map = this.tensors.get(kind)!;
    const tensor = map.get(name);
    if (tensor) return tensor;
    const known = [...map.keys()].join(", ");
    throw new UsageError(`no ${kind} "${name}" in this plan; it has ${known || "none"}`);
  }

  private copy(tensor: PlanTensor, data: HostArray): HostArray {
    const want = tensor.dtype === "i32" ? Int32Array : Float32Array;
    if (!(data instanceof want) || data.length !== elements(tensor.shape))
      throw new UsageError(
        `"${tensor.name}" holds ${elements(tensor.shape)} ${tensor.dtype} values (a ${want.name}); ` +
          `got a ${data.constructor.name} of length ${data.length}`,
      );
    return data.slice();
  }
}
