/**
 * @file The training loop: data loaded and shuffled from the seed each epoch, full mini-batches
 * through the `train` program of a Plan compiled for the batch size, the last partial batch
 * through a second Plan compiled for its size (parameters and moments are copied between the
 * runners), the learning rate and Adam's bias corrections computed on the host for each step,
 * and evaluation on the validation and test splits.
 */
import { compilePlan } from "../codegen/compile.js";
import type { Plan } from "../codegen/plan.js";
import type { CallSpec, ElaboratedTrain } from "../parser/check/values.js";
import { loadData, permutation, type Dataset, type Splits } from "./data/index.js";
import { initialiseParams } from "./host-data.js";
import { PlanRunner } from "./runner.js";

export interface TrainOptions {
  readonly device: GPUDevice;
  readonly train: ElaboratedTrain;
  /** Overrides of the train section. */
  readonly epochs?: number;
  readonly batch?: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly fuse?: boolean;
  /** Source texts, for kernel headers. */
  readonly sources?: ReadonlyMap<string, string>;
  /** The Plan for the full batch size, when the caller already compiled it. */
  readonly plan?: Plan;
  /** The data; loaded from the train section's source when absent. */
  readonly data?: Splits;
  readonly onStep?: (s: StepReport) => void;
  readonly onEpoch?: (e: EpochReport) => void;
  readonly onWarning?: (message: string) => void;
}

export interface StepReport {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly lr: number;
  readonly examples: number;
  readonly seconds: number;
}

export interface EvalReport {
  readonly loss: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly examples: number;
}

export interface EpochReport {
  readonly epoch: number;
  /** Mean training loss over the epoch's examples. */
  readonly loss: number;
  readonly steps: number;
  readonly examples: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  readonly validation?: EvalReport;
}

export interface TrainResult {
  readonly epochs: readonly EpochReport[];
  readonly test?: EvalReport;
  readonly steps: number;
  /** Training examples run through the `train` program, remainder batches included. */
  readonly examplesSeen: number;
  readonly seconds: number;
  readonly clipApplied: boolean;
  /** Every parameter's value after training, by name. */
  readonly params: ReadonlyMap<string, Float32Array>;
}

/** Training stopped because the loss was not finite. */
export class DivergedError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(`training diverged: the loss is ${loss} at step ${step}; try a smaller learning rate`);
    this.name = "DivergedError";
  }
}

const num = (spec: CallSpec, name: string, fallback: number): number =>
  typeof spec.args[name] === "number" ? (spec.args[name] as number) : fallback;

/**
 * The learning rate of 1-based step `step` of `total`: linear warmup over `warmup` steps to `lr`,
 * then the schedule; cosine and linear reach `min_lr`/`final_lr` at the last step, `step`
 * multiplies by `gamma` every `every` steps after the warmup.
 */
export function learningRate(schedule: CallSpec, lr: number, step: number, total: number): number {
  const warmup = num(schedule, "warmup", 0);
  if (step <= warmup) return (lr * step) / warmup;
  const since = step - warmup - 1;
  const span = Math.max(1, total - warmup - 1);
  const p = Math.min(1, since / span);
  switch (schedule.name) {
    case "step":
      return lr * num(schedule, "gamma", 0.1) ** Math.floor(since / num(schedule, "every", 1));
    case "cosine": {
      const min = num(schedule, "min_lr", 0);
      return min + (lr - min) * 0.5 * (1 + Math.cos(Math.PI * p));
    }
    case "linear": {
      const end = num(schedule, "final_lr", 0);
      return lr + (end - lr) * p;
    }
    default:
      return lr;
  }
}

/** Runners by batch size, sharing one set of parameter values (copied on demand). */
class Runners {
  private readonly runners = new Map<number, { runner: PlanRunner; version: number }>();
  private version = 0;
  private latest: PlanRunner | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly train: ElaboratedTrain,
    private readonly options: { fuse: boolean; sources?: ReadonlyMap<string, string> },
    private readonly compiled?: Plan,
  ) {}

  /** The runner for `size` with `program` prepared and the current parameters. */
  async get(size: number, program: string, seed: number): Promise<PlanRunner> {
    let entry = this.runners.get(size);
    if (!entry) {
      const plan =
        this.compiled && planBatch(this.compiled) === size ? this.compiled : this.compile(size);
      entry = {
        runner: await PlanRunner.create(this.device, plan, { programs: [] }),
        version: -1,
      };
      this.runners.set(size, entry);
      if (!this.latest) {
        initialiseParams(entry.runner, entry.runner.plan, seed);
        entry.version = this.version;
        this.latest = entry.runner;
      }
    }
    await entry.runner.prepare(program);
    if (entry.version !== this.version) {
      const from = this.latest!;
      for (const t of [...from.plan.params, ...from.plan.state])
        entry.runner.writeParam(t.name, await from.readParam(t.name));
      entry.version = this.version;
    }
    return entry.runner;
  }

  private compile(size: number): Plan {
    const r = compilePlan(this.train, {
      batch: size,
      fuse: this.options.fuse,
      ...(this.options.sources ? { sources: this.options.sources } : {}),
    });
    if (!r.value) {
      const messages = r.diagnostics.map((d) => d.message).join("; ");
      throw new Error(`compiling the plan for batch ${size} failed: ${messages}`);
    }
    return r.value.plan;
  }

  /** The current value of every parameter. */
  async params(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const from = this.latest!;
    for (const p of from.plan.params)
      out.set(p.name, (await from.readParam(p.name)) as Float32Array);
    return out;
  }

  /** Records that `runner` changed the parameters. */
  updated(runner: PlanRunner): void {
    this.version++;
    this.latest = runner;
    for (const e of this.runners.values()) if (e.runner === runner) e.version = this.version;
  }

  destroy(): void {
    for (const e of this.runners.values()) e.runner.destroy();
  }
}

/** The batch size a Plan was specialised for: the leading dimension of its inputs. */
function planBatch(plan: Plan): number | undefined {
  return plan.inputs[0]?.shape[0];
}

/** Copies examples `order[start..start+size)` of every input of `plan` into its input buffers. */
function writeBatch(
  runner: PlanRunner,
  plan: Plan,
  program: string,
  data: Dataset,
  order: ArrayLike<number>,
  start: number,
  size: number,
): void {
  for (const name of plan.programs[program]!.inputs) {
    const field = data.fields.get(name);
    if (!field) {
      const known = [...data.fields.keys()].join(", ");
      throw new Error(`the model needs the input \`${name}\`, but the data has ${known}`);
    }
    const n = field.perExample;
    const out = field.dtype === "i32" ? new Int32Array(size * n) : new Float32Array(size * n);
    for (let k = 0; k < size; k++) {
      const i = order[start + k]!;
      out.set(field.data.subarray(i * n, (i + 1) * n), k * n);
    }
    runner.writeInput(name, out);
  }
}

/** Batches of `data` in `order`: full ones of `batch`, then the remainder. */
function batches(count: number, batch: number): { start: number; size: number }[] {
  const out = [];
  for (let start = 0; start < count; start += batch)
    out.push({ start, size: Math.min(batch, count - start) });
  return out;
}

/** Mean loss and metrics of the `eval` program over `data`, weighted by batch size. */
async function evaluate(
  runners: Runners,
  data: Dataset,
  batch: number,
  seed: number,
): Promise<EvalReport> {
  const order = Array.from({ length: data.count }, (_, i) => i);
  let loss = 0;
  const metrics: Record<string, number> = {};
  for (const b of batches(data.count, batch)) {
    const runner = await runners.get(b.size, "eval", seed);
    writeBatch(runner, runner.plan, "eval", data, order, b.start, b.size);
    runner.run("eval");
    for (const name of runner.plan.programs.eval!.outputs) {
      if (name !== "loss" && !name.startsWith("metric:")) continue;
      const value = (await runner.readOutput(name))[0]! * b.size;
      if (name === "loss") loss += value;
      else metrics[name.slice(7)] = (metrics[name.slice(7)] ?? 0) + value;
    }
  }
  for (const k of Object.keys(metrics)) metrics[k]! /= data.count;
  return { loss: loss / data.count, metrics, examples: data.count };
}

/** Trains `options.train` on the GPU and reports each epoch. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const seed = options.seed ?? options.train.seed;
  const batch = options.batch ?? options.train.batch;
  const epochs = options.epochs ?? options.train.epochs;
  const optimizer = options.train.optimizer;
  const baseLr = options.lr ?? num(optimizer, "lr", 1e-3);
  const beta1 = num(optimizer, "beta1", 0.9);
  const beta2 = num(optimizer, "beta2", 0.999);
  const trainSpec = { ...options.train, seed };
  const data = options.data ?? loadData(options.train.data, seed);
  const count = data.train.count;
  if (count === 0) throw new Error("the training data is empty");
  const stepsPerEpoch = Math.ceil(count / batch);
  const total = epochs * stepsPerEpoch;
  const runners = new Runners(
    options.device,
    trainSpec,
    { fuse: options.fuse ?? true, ...(options.sources ? { sources: options.sources } : {}) },
    options.plan,
  );
  try {
    const first = await runners.get(Math.min(batch, count), "train", seed);
    const fields = first.plan.uniforms?.fields ?? [];
    const clipApplied = fields.includes("clip");
    if (options.train.clipGradNorm !== undefined && !clipApplied)
      options.onWarning?.(
        `clip_grad_norm = ${options.train.clipGradNorm} is not applied yet: this build has no clipping kernel`,
      );
    const uniforms = (step: number): Record<string, number> => {
      const all: Record<string, number> = {
        lr: learningRate(options.train.schedule, baseLr, step, total),
        bc1: 1 - beta1 ** step,
        bc2: 1 - beta2 ** step,
        step,
        clip: options.train.clipGradNorm ?? 0,
      };
      const out: Record<string, number> = {};
      for (const f of fields) {
        if (!(f in all))
          throw new Error(`the plan needs the uniform \`${f}\`, which the trainer does not know`);
        out[f] = all[f]!;
      }
      return out;
    };
    const reports: EpochReport[] = [];
    let step = 0;
    let seen = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const te = performance.now();
      const order = permutation(count, seed, 0x30000 + epoch);
      let pending:
        | { promise: Promise<Float32Array | Int32Array>; step: number; size: number; lr: number }
        | undefined;
      let lossSum = 0;
      const settle = async () => {
        if (!pending) return;
        const loss = (await pending.promise)[0]!;
        if (!Number.isFinite(loss)) throw new DivergedError(pending.step, loss);
        lossSum += loss * pending.size;
        options.onStep?.({
          step: pending.step,
          epoch,
          loss,
          lr: pending.lr,
          examples: seen,
          seconds: (performance.now() - t0) / 1000,
        });
        pending = undefined;
      };
      for (const b of batches(count, batch)) {
        const runner = await runners.get(b.size, "train", seed);
        step++;
        writeBatch(runner, runner.plan, "train", data.train, order, b.start, b.size);
        const u = uniforms(step);
        if (fields.length > 0) runner.writeUniforms(u);
        runner.run("train");
        runners.updated(runner);
        seen += b.size;
        // Read this step's loss while the next step runs; wait for the previous one first.
        const promise = runner.readOutput("loss");
        // Training may stop before this read is awaited (a diverged loss): never unhandled.
        promise.catch(() => {});
        await settle();
        pending = { promise, step, size: b.size, lr: u.lr ?? baseLr };
      }
      await settle();
      const seconds = (performance.now() - te) / 1000;
      const validation = data.validation
        ? await evaluate(runners, data.validation, batch, seed)
        : undefined;
      const report: EpochReport = {
        epoch,
        loss: lossSum / count,
        steps: stepsPerEpoch,
        examples: count,
        seconds,
        stepsPerSecond: stepsPerEpoch / seconds,
        ...(validation ? { validation } : {}),
      };
      reports.push(report);
      options.onEpoch?.(report);
    }
    const test = data.test ? await evaluate(runners, data.test, batch, seed) : undefined;
    return {
      epochs: reports,
      ...(test ? { test } : {}),
      steps: step,
      examplesSeen: seen,
      seconds: (performance.now() - t0) / 1000,
      clipApplied,
      params: await runners.params(),
    };
  } finally {
    runners.destroy();
  }
}
