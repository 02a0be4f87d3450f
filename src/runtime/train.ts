/**
 * @file The training loop: data loaded and shuffled from the seed each epoch, full mini-batches
 * through the `train` program of a Plan compiled for the batch size, the last partial batch
 * through a second Plan compiled for its size (parameters and moments are copied between the
 * runners), the learning rate and Adam's bias corrections computed on the host for each step,
 * and evaluation on the validation and test splits. Checkpoints (safetensors, `checkpoint.ts`)
 * are saved after every epoch and on an interrupt (an `AbortSignal`), with the exact position,
 * so a resumed run takes the same steps as one that was never stopped; a diverging loss
 * (`divergence.ts`) or parameters that are not finite stop training, and the last good
 * checkpoint is never overwritten by a worse one (`checkpoint-rotation.ts`). Checkpoints also keep
 * the per-epoch history (for the chart of a resumed run). `maxSteps` stops early (smoke tests),
 * `evalLimit` evaluates a prefix of each split. Also evaluation and prediction from a checkpoint's
 * parameters. Everything runs on `StepRunner`s: `PlanRunner` on a GPU device, or `CpuRunner` (the
 * reference interpreter) with `device: "cpu"`, which touches no GPU.
 */
import { compilePlan, type CompiledPlan } from "../codegen/compile.js";
import { unboundedLimits } from "../codegen/memory.js";
import { stepScalars, uniformValues } from "../codegen/optimizer.js";
import type { Plan } from "../codegen/plan.js";
import type { CallSpec, ElaboratedTrain } from "../parser/check/values.js";
import {
  checkFinite,
  CheckpointError,
  OPTIMIZER_PREFIX,
  readCheckpoint,
  tensorsFor,
  type Checkpoint,
  type CheckpointTensor,
} from "./checkpoint.js";
import {
  decodeTrainingMeta,
  encodeTrainingMeta,
  groveMeta,
  type EpochHistory,
  type TrainingMeta,
} from "./checkpoint-meta.js";
import {
  CheckpointKeeper,
  type DivergenceOutcome,
  type KeptCheckpoint,
} from "./checkpoint-rotation.js";
import { planOptionsFor } from "./check-plan.js";
import { CpuRunner } from "./cpu-runner.js";
import {
  loadData,
  permutation,
  subset,
  type Dataset,
  type Field,
  type Splits,
} from "./data/index.js";
import { DivergenceWatch } from "./divergence.js";
import { initialiseParams } from "./host-data.js";
import { PlanRunner } from "./runner.js";
import type { HostArray } from "./step-runner.js";

export { CHECKPOINT_VERSION, type EpochHistory } from "./checkpoint-meta.js";

/**
 * Where the programs run: a WebGPU device (`PlanRunner`, the fused WGSL kernels) or `"cpu"`
 * (`CpuRunner`: the float32 reference interpreter and the host optimizer; no device is touched).
 * Both keep the Plan's tensor names, so checkpoints move between them.
 */
export type Backend = GPUDevice | "cpu";

/** The runners the training loop drives: both are `StepRunner`s over a `Plan`. */
type Runner = PlanRunner | CpuRunner;

/** A checkpoint given by its path, or already read (the path is then only for messages). */
export type CheckpointSource = string | { readonly path: string; readonly checkpoint: Checkpoint };

export interface TrainOptions {
  readonly device: Backend;
  readonly train: ElaboratedTrain;
  /** Overrides of the train section (on resume, of the checkpoint's values). */
  readonly epochs?: number;
  readonly batch?: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly fuse?: boolean;
  /** Source texts, for kernel headers. */
  readonly sources?: ReadonlyMap<string, string>;
  /**
   * The Plan for the full batch size, when the caller already compiled it (the CPU backend also
   * needs its graphs: pass what `compilePlan` returns, or the plan is compiled again).
   */
  readonly plan?: Plan | CompiledPlan;
  /** The data; loaded from the train section's source when absent. */
  readonly data?: Splits;
  /** Stop after this many training steps in total (the global step), then save and evaluate. */
  readonly maxSteps?: number;
  /** Evaluate on the first `evalLimit` examples of the validation and test splits only. */
  readonly evalLimit?: number;
  /** Where to save a checkpoint after every epoch and on an interrupt; none when absent. */
  readonly checkpoint?: string;
  /** The `.grove` file, recorded in checkpoints. */
  readonly sourceFile?: string;
  /** Continue the run saved in this checkpoint: parameters, optimizer state and position. */
  readonly resume?: CheckpointSource;
  /** Start from this checkpoint's parameters, with fresh optimizer state at step 0. */
  readonly init?: CheckpointSource;
  /** When aborted, the current step finishes, a checkpoint is saved and `InterruptedError` thrown. */
  readonly signal?: AbortSignal;
  /** Read every parameter's gradient after each epoch's last step and report the L2 norms. */
  readonly watchGrads?: boolean;
  readonly onStep?: (s: StepReport) => void;
  readonly onEpoch?: (e: EpochReport) => void;
  readonly onCheckpoint?: (c: SavedCheckpoint) => void;
  readonly onWarning?: (message: string) => void;
}

export interface StepReport {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  /** The train section's metrics on this step's batch (`accuracy`), before the update. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly lr: number;
  /**
   * Training examples of the run by the end of this step (its batch included), counted from the
   * run's start: a resumed run continues the count of the run it resumes.
   */
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
  /** With `watchGrads`: each parameter's gradient L2 norm after the epoch's last step. */
  readonly gradNorms?: Readonly<Record<string, number>>;
  /** `maxSteps` ended the run inside this epoch: `loss` and `examples` cover its first part. */
  readonly partial?: boolean;
}

const historyEntry = (e: EpochReport): EpochHistory => ({
  epoch: e.epoch,
  loss: e.loss,
  ...(e.validation
    ? { validation: { loss: e.validation.loss, metrics: e.validation.metrics } }
    : {}),
  ...(e.partial ? { partial: true } : {}),
});

/**
 * The per-epoch history a checkpoint of `grove train` keeps in `__metadata__.history`, for the
 * chart of a resumed run; empty for a file from elsewhere. Malformed metadata is a
 * `CheckpointError`.
 */
export function checkpointHistory(checkpoint: Checkpoint, file: string): EpochHistory[] {
  return [...(groveMeta(checkpoint, file)?.history ?? [])];
}

export interface SavedCheckpoint {
  readonly path: string;
  /** Steps done when it was saved. */
  readonly step: number;
  /** The epoch of the next step (1-based) and the index of its next batch. */
  readonly epoch: number;
  readonly nextBatch: number;
  readonly reason: "epoch" | "interrupt" | "max-steps";
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
  /** The last checkpoint saved, if any. */
  readonly checkpoint?: SavedCheckpoint;
  /** Every epoch of the run, those before a resume included (from the checkpoint). */
  readonly history: readonly EpochHistory[];
  /** `maxSteps` stopped training before the end of the last epoch. */
  readonly stoppedEarly: boolean;
}

/** The end of the divergence message: which checkpoint is the last good one, and where. */
const lastGood = (o: DivergenceOutcome) =>
  (o.good
    ? `the last good checkpoint is ${o.good.path} (step ${o.good.step})`
    : "no good checkpoint was saved before it") +
  (o.moved
    ? `; the checkpoint saved after it began (step ${o.moved.step}) was moved to ${o.moved.path}`
    : "");

/**
 * Training stopped: the loss was not finite or had grown out of bounds (the rule in
 * `divergence.ts`), or the parameters after a step were not finite.
 */
export class DivergedError extends Error {
  /** The last good checkpoint (never overwritten by a worse one), if any. */
  readonly checkpoint: KeptCheckpoint | undefined;

  constructor(
    readonly step: number,
    readonly loss: number,
    outcome: DivergenceOutcome = {},
    what = `the loss is ${loss}`,
  ) {
    super(
      `training diverged: ${what} at step ${step}; try a smaller learning rate; ${lastGood(outcome)}`,
    );
    this.name = "DivergedError";
    this.checkpoint = outcome.good;
  }
}

/** Training stopped on its `AbortSignal` after step `step`; `path` holds the checkpoint. */
export class InterruptedError extends Error {
  constructor(
    readonly step: number,
    readonly path: string | undefined,
  ) {
    super(
      `interrupted at step ${step}; ` +
        (path ? `checkpoint saved to ${path}` : "no checkpoint path was given, nothing saved"),
    );
    this.name = "InterruptedError";
  }
}

const num = (spec: CallSpec, name: string, fallback: number): number =>
  typeof spec.args[name] === "number" ? (spec.args[name] as number) : fallback;

/** Where a checkpoint left training: its metadata, every field checked. */
export type TrainingPosition = TrainingMeta;

/** Reads the training position of a checkpoint written by `train`; a `CheckpointError` otherwise. */
export const trainingPosition = decodeTrainingMeta;

/**
 * Reads a checkpoint (unless already read) and checks what a load checks: its metadata
 * (`groveMeta`: every field of a `grove train` file, nothing for a file from elsewhere) and that
 * every tensor is finite.
 */
function load(source: CheckpointSource): {
  path: string;
  checkpoint: Checkpoint;
  meta: TrainingMeta | undefined;
} {
  const { path, checkpoint } =
    typeof source === "string" ? { path: source, checkpoint: readCheckpoint(source) } : source;
  const meta = groveMeta(checkpoint, path);
  checkFinite(checkpoint, path);
  return { path, checkpoint, meta };
}

/** Norms outside this range are flagged by `gradStatus`. */
export const GRAD_VANISHING = 1e-7;
export const GRAD_EXPLODING = 1e3;

/** `vanishing` below 1e-7, `exploding` above 1e3 or not finite, else undefined. */
export function gradStatus(norm: number): "vanishing" | "exploding" | undefined {
  if (!Number.isFinite(norm) || norm > GRAD_EXPLODING) return "exploding";
  if (norm < GRAD_VANISHING) return "vanishing";
  return undefined;
}

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
  private readonly runners = new Map<number, { runner: Runner; version: number }>();
  private version = 0;
  private latest: Runner | undefined;
  private readonly compiled: { plan: Plan; full?: CompiledPlan } | undefined;

  /** `initial` writes the starting parameters and optimizer state into the first runner. */
  constructor(
    private readonly device: Backend,
    private readonly train: ElaboratedTrain,
    private readonly options: { fuse: boolean; sources?: ReadonlyMap<string, string> },
    private readonly initial: (runner: Runner) => void,
    compiled?: Plan | CompiledPlan,
  ) {
    this.compiled =
      compiled === undefined
        ? undefined
        : "compiled" in compiled
          ? { plan: compiled.plan, full: compiled }
          : { plan: compiled };
  }

  /**
   * The runner for `size` with `program` prepared and the current parameters. When the runner
   * still compiles kernels behind a quick variant's first run, waits for them (`ready`), after
   * `beforeWait` (the training loop reports the step already run).
   */
  async get(size: number, program: string, beforeWait?: () => Promise<void>): Promise<Runner> {
    let entry = this.runners.get(size);
    if (!entry) {
      const given =
        this.compiled && planBatch(this.compiled.plan) === size ? this.compiled : undefined;
      let runner: Runner;
      if (this.device === "cpu")
        runner = CpuRunner.create(given?.full ?? this.compile(size), this.train.optimizer);
      else {
        const plan = given?.plan ?? this.compile(size).plan;
        // Only the first training step is worth starting on quick kernels (see `prepare`): later
        // runners and evaluation compile their own kernels at once.
        const quick = this.runners.size === 0 ? ["train"] : [];
        runner = await PlanRunner.create(this.device, plan, { programs: [], quick });
      }
      entry = { runner, version: -1 };
      this.runners.set(size, entry);
      if (!this.latest) {
        this.initial(entry.runner);
        entry.version = this.version;
        this.latest = entry.runner;
      }
    }
    await entry.runner.prepare(program);
    if (entry.runner.compiling) {
      await beforeWait?.();
      await entry.runner.ready();
    }
    if (entry.version !== this.version) {
      const from = this.latest!;
      for (const t of [...from.plan.params, ...from.plan.state])
        entry.runner.writeParam(t.name, await from.readParam(t.name));
      entry.version = this.version;
    }
    return entry.runner;
  }

  private compile(size: number): CompiledPlan {
    const r = compilePlan(this.train, {
      batch: size,
      fuse: this.options.fuse,
      ...(this.device === "cpu" ? { limits: unboundedLimits } : planOptionsFor(this.device)),
      ...(this.options.sources ? { sources: this.options.sources } : {}),
    });
    if (!r.value) {
      const messages = r.diagnostics.map((d) => d.message).join("; ");
      throw new Error(`compiling the plan for batch ${size} failed: ${messages}`);
    }
    return r.value;
  }

  /** The runner that holds the current parameters (the one that ran the last step). */
  get current(): Runner {
    return this.latest!;
  }

  /** The current value of every parameter, or with `state` also every optimizer moment. */
  async params(state = false): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const from = this.latest!;
    for (const p of [...from.plan.params, ...(state ? from.plan.state : [])])
      out.set(p.name, (await from.readParam(p.name)) as Float32Array);
    return out;
  }

  /** Records that `runner` changed the parameters. */
  updated(runner: Runner): void {
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
  return plan.inputs.find((t) => t.name !== "@step")?.shape[0];
}

/**
 * Copies examples `order[start..start+size)` of every input of `plan` into its input buffers;
 * the scalar input `@step`, when the program has one, is the 1-based global step.
 */
function writeBatch(
  runner: Runner,
  plan: Plan,
  program: string,
  data: Dataset,
  order: ArrayLike<number>,
  start: number,
  size: number,
  step: number,
): void {
  for (const name of plan.programs[program]!.inputs) {
    if (name === "@step") {
      runner.writeInput(name, Int32Array.of(step));
      continue;
    }
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

/**
 * Mean loss and metrics of the `eval` program over `data`, weighted by batch size. `stop` is
 * called before each batch (it throws to stop an interrupted run).
 */
async function evaluate(
  runners: Runners,
  data: Dataset,
  batch: number,
  step: number,
  stop?: () => void,
): Promise<EvalReport> {
  const order = Array.from({ length: data.count }, (_, i) => i);
  let loss = 0;
  const metrics: Record<string, number> = {};
  for (const b of batches(data.count, batch)) {
    stop?.();
    const runner = await runners.get(b.size, "eval");
    writeBatch(runner, runner.plan, "eval", data, order, b.start, b.size, step);
    runner.run("eval");
    const names = runner.plan.programs.eval!.outputs.filter(
      (n) => n === "loss" || n.startsWith("metric:"),
    );
    const values = await runner.readOutputs(names);
    names.forEach((name, k) => {
      const value = values[k]![0]! * b.size;
      if (name === "loss") loss += value;
      else metrics[name.slice(7)] = (metrics[name.slice(7)] ?? 0) + value;
    });
  }
  for (const k of Object.keys(metrics)) metrics[k]! /= data.count;
  return { loss: loss / data.count, metrics, examples: data.count };
}

const allFinite = (a: Float32Array) => {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
};

/** Trains `options.train` on the GPU or the CPU (`options.device`) and reports each epoch. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  if (options.resume && options.init)
    throw new Error("resume and init cannot be combined: resume continues a run, init starts one");
  const resume = options.resume ? load(options.resume) : undefined;
  const init = options.init ? load(options.init) : undefined;
  const at = resume ? trainingPosition(resume.checkpoint, resume.path) : undefined;
  const model = options.train.model;
  const seed = options.seed ?? at?.seed ?? options.train.seed;
  const batch = options.batch ?? at?.batch ?? options.train.batch;
  const epochs = options.epochs ?? at?.epochs ?? options.train.epochs;
  const optimizer = options.train.optimizer;
  const baseLr = options.lr ?? at?.lr ?? num(optimizer, "lr", 1e-3);
  const trainSpec = { ...options.train, seed };
  const data = options.data ?? loadData(options.train.data, seed);
  const count = data.train.count;
  if (count === 0) throw new Error("the training data is empty");
  const limit = (set: Dataset | undefined): Dataset | undefined =>
    set && options.evalLimit !== undefined && options.evalLimit < set.count
      ? subset(
          set,
          Array.from({ length: options.evalLimit }, (_, i) => i),
        )
      : set;
  const validationSet = limit(data.validation);
  const testSet = limit(data.test);
  const stepsPerEpoch = Math.ceil(count / batch);
  const total = epochs * stepsPerEpoch;
  if (resume && at) {
    const refuse = (detail: string) => {
      throw new CheckpointError(resume.path, detail);
    };
    if (at.model !== model) refuse(`was saved for model ${at.model}, not ${model}`);
    if (at.optimizer !== optimizer.name)
      refuse(
        `was saved with the ${at.optimizer} optimizer, but the train section uses ${optimizer.name}`,
      );
    if (at.batch !== batch)
      refuse(`was saved with batch ${at.batch}; resume with the same batch, not ${batch}`);
    if (at.seed !== seed)
      refuse(`was saved with seed ${at.seed}; resume with the same seed, not ${seed}`);
    if (at.trainExamples !== count)
      refuse(`was saved training on ${at.trainExamples} examples, but the data has ${count}`);
    const steps = Math.ceil(at.trainExamples / at.batch);
    if (at.nextBatch > steps || at.epoch < 1 || at.step !== (at.epoch - 1) * steps + at.nextBatch)
      refuse(
        `its position (step ${at.step}, epoch ${at.epoch}, batch ${at.nextBatch}) does not fit ${steps} steps per epoch`,
      );
    // Cosine and linear schedules end at the last step: more or fewer epochs change every rate.
    if (at.epochs !== epochs && ["cosine", "linear"].includes(options.train.schedule.name))
      options.onWarning?.(
        `the checkpoint was saved for ${at.epochs} epochs and this run has ${epochs}: the ${options.train.schedule.name} schedule now spans ${total} steps, so the learning rates differ from the original run's`,
      );
  }
  const initial = (runner: Runner): void => {
    const plan = runner.plan;
    if (!resume && !init) return initialiseParams(runner, plan, seed);
    const from = (resume ?? init)!;
    const tensors = tensorsFor(from.checkpoint, plan, from.path, { state: !!resume });
    for (const p of plan.params) runner.writeParam(p.name, tensors.get(p.name)!);
    for (const s of plan.state)
      runner.writeParam(
        s.name,
        resume ? tensors.get(s.name)! : new Float32Array(s.shape.reduce((a, d) => a * d, 1)),
      );
    if (init) {
      const known = new Set(plan.params.map((p) => p.name));
      const extra = [...init.checkpoint.tensors.keys()].filter(
        (k) => !known.has(k) && !k.startsWith(OPTIMIZER_PREFIX),
      );
      if (extra.length > 0)
        options.onWarning?.(
          `${init.path}: ignoring tensors the model does not have: ${extra.join(", ")}`,
        );
      const saved = init.checkpoint.metadata.model;
      if (saved && saved !== model)
        options.onWarning?.(
          `${init.path} was saved for model ${saved}; its parameters fit ${model}`,
        );
    }
  };
  const runners = new Runners(
    options.device,
    trainSpec,
    { fuse: options.fuse ?? true, ...(options.sources ? { sources: options.sources } : {}) },
    initial,
    options.plan,
  );
  try {
    const first = await runners.get(Math.min(batch, count), "train");
    const fields = first.plan.uniforms?.fields ?? [];
    // What each step reads back: the loss and the metrics (every plan of the section has them).
    const metricNames = first.plan.programs.train!.outputs.filter((n) => n.startsWith("metric:"));
    const stepOutputs = ["loss", ...metricNames];
    const clipApplied = fields.includes("clip");
    if (options.train.clipGradNorm !== undefined && !clipApplied)
      options.onWarning?.(
        `clip_grad_norm = ${options.train.clipGradNorm} is not applied yet: this build has no clipping kernel`,
      );
    const clip = options.train.clipGradNorm ?? 0;
    const uniforms = (step: number): Record<string, number> =>
      uniformValues(
        fields,
        stepScalars(
          optimizer,
          step,
          learningRate(options.train.schedule, baseLr, step, total),
          clip,
        ),
      );
    const reports: EpochReport[] = [];
    // The epochs before a resume, for the chart; a partial epoch is replaced when it completes.
    const history: EpochHistory[] = resume ? at!.history.filter((e) => e.epoch < at!.epoch) : [];
    const maxSteps = options.maxSteps;
    let stoppedEarly = false;
    let step = at?.step ?? 0;
    let seen = at?.examplesSeen ?? 0;
    let saved: SavedCheckpoint | undefined;
    // Which saved file is good, seen from the losses after it; the rule that stops a diverging run.
    const keeper = new CheckpointKeeper(
      options.checkpoint,
      resume ? { path: resume.path, step } : undefined,
    );
    const watch = new DivergenceWatch(at?.lossReference);

    /** Saves parameters, moments and the position, unless a value is not finite. */
    const save = async (
      epoch: number,
      nextBatch: number,
      epochLossSum: number,
      reason: SavedCheckpoint["reason"],
    ): Promise<void> => {
      const path = options.checkpoint;
      if (!path) return;
      const values = await runners.params(true);
      for (const [name, v] of values)
        if (!allFinite(v))
          throw new DivergedError(
            step,
            NaN,
            keeper.diverged(),
            `\`${name}\` is not finite after the update`,
          );
      const plan = runners.current.plan;
      const tensors = new Map<string, CheckpointTensor>();
      for (const p of plan.params)
        tensors.set(p.name, { dtype: "F32", shape: p.shape, data: values.get(p.name)! });
      for (const s of plan.state)
        tensors.set(OPTIMIZER_PREFIX + s.name, {
          dtype: "F32",
          shape: s.shape,
          data: values.get(s.name)!,
        });
      const metadata = encodeTrainingMeta({
        model,
        source: options.sourceFile ?? "",
        step,
        epoch,
        nextBatch,
        epochs,
        stepsPerEpoch,
        batch,
        seed,
        lr: baseLr,
        optimizer: optimizer.name,
        optimizerArgs: optimizer.args,
        schedule: { name: options.train.schedule.name, args: options.train.schedule.args },
        clipGradNorm: options.train.clipGradNorm ?? 0,
        trainExamples: count,
        examplesSeen: seen,
        epochLossSum,
        history,
        reason,
        ...(watch.reference !== undefined ? { lossReference: watch.reference } : {}),
      });
      keeper.save(step, { tensors, metadata });
      saved = { path, step, epoch, nextBatch, reason };
      options.onCheckpoint?.(saved);
    };

    for (let epoch = at?.epoch ?? 1; epoch <= epochs; epoch++) {
      if (maxSteps !== undefined && step >= maxSteps) {
        stoppedEarly = true;
        break;
      }
      const te = performance.now();
      const order = permutation(count, seed, 0x30000 + epoch);
      const list = batches(count, batch);
      const resumed = at && epoch === at.epoch;
      let lossSum = resumed ? at.epochLossSum : 0;
      // The step whose loss and metrics are being read back, with what it is reported with.
      let pending:
        | {
            promise: Promise<HostArray[]>;
            step: number;
            size: number;
            lr: number;
            /** Examples trained on when this step finished (its batch included). */
            examples: number;
          }
        | undefined;
      const settle = async () => {
        if (!pending) return;
        const [lossValue, ...metricValues] = await pending.promise;
        const loss = lossValue![0]!;
        const verdict = watch.observe(pending.step, loss);
        keeper.observe(pending.step, verdict.kind === "ok");
        if (verdict.kind === "diverged")
          throw new DivergedError(pending.step, loss, keeper.diverged(), verdict.what);
        lossSum += loss * pending.size;
        const metrics: Record<string, number> = {};
        metricNames.forEach((n, k) => (metrics[n.slice("metric:".length)] = metricValues[k]![0]!));
        options.onStep?.({
          step: pending.step,
          epoch,
          loss,
          metrics,
          lr: pending.lr,
          examples: pending.examples,
          seconds: (performance.now() - t0) / 1000,
        });
        pending = undefined;
      };
      const firstBatch = resumed ? at.nextBatch : 0;
      // Examples of this epoch trained on so far (every batch before a remainder is full).
      let epochExamples = Math.min(firstBatch * batch, count);
      let next = firstBatch;
      for (let i = firstBatch; i < list.length; i++, next = i) {
        if (maxSteps !== undefined && step >= maxSteps) break;
        if (options.signal?.aborted) {
          await settle();
          await save(epoch, i, lossSum, "interrupt");
          throw new InterruptedError(step, options.checkpoint);
        }
        const b = list[i]!;
        const runner = await runners.get(b.size, "train", settle);
        step++;
        writeBatch(runner, runner.plan, "train", data.train, order, b.start, b.size, step);
        const u = uniforms(step);
        if (fields.length > 0) runner.writeUniforms(u);
        runner.run("train");
        runners.updated(runner);
        seen += b.size;
        epochExamples += b.size;
        // Read this step's loss and metrics (one copy) while the next step runs; wait for the
        // previous step's first.
        const promise = runner.readOutputs(stepOutputs);
        // Training may stop before this read is awaited (a diverged loss): never unhandled.
        promise.catch(() => {});
        await settle();
        pending = { promise, step, size: b.size, lr: u.lr ?? baseLr, examples: seen };
      }
      await settle();
      const partial = next < list.length;
      stoppedEarly = partial;
      /** Steps this call ran in the epoch (fewer than the epoch's after a resume or maxSteps). */
      const steps = next - firstBatch;
      let gradNorms: Record<string, number> | undefined;
      if (options.watchGrads && steps > 0) {
        gradNorms = {};
        const runner = runners.current;
        for (const g of runner.plan.grads ?? []) {
          const values = await runner.readGrad(g.name);
          let sum = 0;
          for (let k = 0; k < values.length; k++) sum += values[k]! * values[k]!;
          gradNorms[g.name] = Math.sqrt(sum);
        }
      }
      const seconds = (performance.now() - te) / 1000;
      const validation = validationSet
        ? await evaluate(runners, validationSet, batch, step)
        : undefined;
      const report: EpochReport = {
        epoch,
        loss: lossSum / epochExamples,
        steps: stepsPerEpoch,
        examples: epochExamples,
        seconds,
        stepsPerSecond: steps / seconds,
        ...(validation ? { validation } : {}),
        ...(gradNorms ? { gradNorms } : {}),
        ...(partial ? { partial: true } : {}),
      };
      history.push(historyEntry(report));
      if (partial) await save(epoch, next, lossSum, "max-steps");
      else await save(epoch + 1, 0, 0, "epoch");
      reports.push(report);
      options.onEpoch?.(report);
      if (partial) break;
      if (options.signal?.aborted && epoch < epochs)
        throw new InterruptedError(step, options.checkpoint);
    }
    // Training is saved by now: Ctrl-C during the test evaluation stops it and names the checkpoint.
    const stop = () => {
      if (options.signal?.aborted) throw new InterruptedError(step, options.checkpoint);
    };
    const test = testSet ? await evaluate(runners, testSet, batch, step, stop) : undefined;
    return {
      epochs: reports,
      ...(test ? { test } : {}),
      steps: step,
      examplesSeen: seen,
      seconds: (performance.now() - t0) / 1000,
      clipApplied,
      params: await runners.params(),
      ...(saved ? { checkpoint: saved } : {}),
      history,
      stoppedEarly,
    };
  } finally {
    runners.destroy();
  }
}

export interface FromCheckpointOptions {
  readonly device: Backend;
  readonly train: ElaboratedTrain;
  /** Its parameters are used; optimizer state is ignored. */
  readonly checkpoint: CheckpointSource;
  readonly batch: number;
  readonly fuse?: boolean;
  readonly sources?: ReadonlyMap<string, string>;
  /** The Plan for `batch`, when the caller already compiled it (with its graphs for the CPU). */
  readonly plan?: Plan | CompiledPlan;
}

/** Runs `body` with runners holding the checkpoint's parameters. */
async function withCheckpoint<T>(
  options: FromCheckpointOptions,
  body: (runners: Runners) => Promise<T>,
): Promise<T> {
  const { path, checkpoint } = load(options.checkpoint);
  const runners = new Runners(
    options.device,
    options.train,
    { fuse: options.fuse ?? true, ...(options.sources ? { sources: options.sources } : {}) },
    (runner) => {
      const tensors = tensorsFor(checkpoint, runner.plan, path);
      for (const p of runner.plan.params) runner.writeParam(p.name, tensors.get(p.name)!);
    },
    options.plan,
  );
  try {
    return await body(runners);
  } finally {
    runners.destroy();
  }
}

/** The `eval` program's mean loss and metrics over `data` with a checkpoint's parameters. */
export function evaluateCheckpoint(
  options: FromCheckpointOptions & { readonly data: Dataset },
): Promise<EvalReport> {
  const loaded = load(options.checkpoint);
  const step = loaded.meta?.step ?? 0;
  return withCheckpoint({ ...options, checkpoint: loaded }, (runners) =>
    evaluate(runners, options.data, Math.min(options.batch, options.data.count), step),
  );
}

/** One model output over every example: `data` holds `count` × `shape` values in example order. */
export interface Prediction {
  readonly name: string;
  /** The output's shape after the batch dimension. */
  readonly shape: readonly number[];
  readonly dtype: "f32" | "i32";
  readonly data: Float32Array | Int32Array;
}

/**
 * Runs the `eval` program on `inputs` (the model's inputs; data fields the model does not read,
 * such as `label`, are filled with zeros) and returns every model output, in example order.
 */
export async function predict(
  options: FromCheckpointOptions & { readonly inputs: Dataset },
): Promise<Prediction[]> {
  const data = options.inputs;
  if (data.count === 0) throw new Error("there are no examples to predict");
  return withCheckpoint(options, async (runners) => {
    const order = Array.from({ length: data.count }, (_, i) => i);
    let out: {
      name: string;
      shape: number[];
      dtype: "f32" | "i32";
      data: Float32Array | Int32Array;
    }[] = [];
    for (const b of batches(data.count, Math.min(options.batch, data.count))) {
      const runner = await runners.get(b.size, "eval");
      const plan = runner.plan;
      const fields = new Map<string, Field>(data.fields);
      for (const t of plan.inputs) {
        if (fields.has(t.name) || t.name === "@step") continue;
        const per = t.shape.slice(1).reduce((a, d) => a * d, 1);
        const zeros =
          t.dtype === "i32" ? new Int32Array(data.count * per) : new Float32Array(data.count * per);
        fields.set(t.name, { dtype: t.dtype, perExample: per, data: zeros });
      }
      writeBatch(runner, plan, "eval", { fields, count: data.count }, order, b.start, b.size, 0);
      runner.run("eval");
      const names = plan.programs.eval!.outputs.filter(
        (n) => n !== "loss" && !n.startsWith("metric:"),
      );
      if (out.length === 0)
        out = names.map((name) => {
          const t = plan.outputs.find((o) => o.name === name)!;
          const shape = t.shape.slice(1);
          const per = shape.reduce((a, d) => a * d, 1);
          const values =
            t.dtype === "i32"
              ? new Int32Array(data.count * per)
              : new Float32Array(data.count * per);
          return { name, shape, dtype: t.dtype, data: values };
        });
      for (const o of out) {
        const values = await runner.readOutput(o.name);
        o.data.set(values, b.start * (o.data.length / data.count));
      }
    }
    return out;
  });
}
