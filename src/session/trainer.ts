/**
 * @file The trainer: one run of a train section on `Runners`, with `step` (one batch through the
 * `train` program, its loss and metrics read back while the next step runs), `epoch` (the
 * epoch's batches in the order drawn from the seed, then validation and a checkpoint), `evaluate`
 * and `save` as separate methods, and `run` driving them over the epochs and the test split. The
 * learning rate comes from the schedule and the other per-step uniforms from the optimizer's
 * definitions (`stepScalars`); a diverging loss (`divergence.ts`) or parameters that are not finite
 * stop training, and an `AbortSignal` stops it after the current step with a checkpoint at the
 * exact position, so that a resumed run takes the same steps.
 */
import { stepScalars, uniformValues } from "../codegen/optimizer.js";
import { modelTensors } from "../codegen/plan.js";
import { OPTIMIZER_PREFIX, type CheckpointTensor } from "../runtime/safetensors.js";
import { encodeTrainingMeta, type TrainingMeta } from "../runtime/checkpoint-meta.js";
import { permutation } from "../runtime/data/shuffle.js";
import type { Dataset } from "../runtime/data/types.js";
import type { HostArray } from "../runtime/step-runner.js";
import { batches, writeBatch, type Batch } from "./batches.js";
import { DivergenceWatch } from "./divergence.js";
import { DivergedError, InterruptedError } from "./errors.js";
import { evaluate } from "./evaluate.js";
import {
  historyEntry,
  type EpochHistory,
  type EpochReport,
  type EvalReport,
  type SavedCheckpoint,
  type StepReport,
  type TrainResult,
} from "./reports.js";
import type { CheckpointSink } from "./rotation.js";
import type { RunSpec, TrainSettings } from "./run-spec.js";
import { Runners } from "./runners.js";
import { learningRate } from "./schedule.js";
import { emptyRecord } from "../diag/records.js";

/** What a session reports as it trains, and what stops it. */
export interface TrainerEvents {
  /** When aborted, the current step finishes, a checkpoint is saved and `InterruptedError` thrown. */
  readonly signal?: AbortSignal;
  /** Read every parameter's gradient after each epoch's last step and report the L2 norms. */
  readonly watchGrads?: boolean;
  /** The `.grove` file, recorded in checkpoints. */
  readonly sourceFile?: string;
  readonly onStep?: (s: StepReport) => void;
  readonly onEpoch?: (e: EpochReport) => void;
  readonly onCheckpoint?: (c: SavedCheckpoint) => void;
  readonly onWarning?: (message: string) => void;
}

/** Everything a trainer works from, set up by `trainSession`. */
export interface TrainerSetup {
  readonly train: TrainSettings;
  readonly spec: RunSpec;
  readonly runners: Runners;
  readonly data: {
    readonly train: Dataset;
    readonly validation?: Dataset;
    readonly test?: Dataset;
  };
  readonly sink: CheckpointSink;
  readonly events: TrainerEvents;
  /** The position of the run resumed. */
  readonly resumed?: TrainingMeta;
  /** When the session started (`performance.now()`), for the steps' `seconds`. */
  readonly t0: number;
}

/** The step whose loss and metrics are being read back, with what it is reported with. */
export interface PendingStep {
  readonly promise: Promise<HostArray[]>;
  readonly step: number;
  readonly size: number;
  readonly lr: number;
  /** Examples trained on when this step finished (its batch included). */
  readonly examples: number;
}

/** The epoch under way. */
export interface EpochRun {
  readonly epoch: number;
  readonly order: Int32Array;
  lossSum: number;
  /** Examples of this epoch trained on so far. */
  examples: number;
  pending: PendingStep | undefined;
}

/** What every plan of the section reads and writes per step, known from the first runner. */
export interface StepShape {
  readonly fields: readonly string[];
  readonly metricNames: readonly string[];
  readonly outputs: readonly string[];
}

export class Trainer {
  private steps: number;
  private seen: number;
  private saved: SavedCheckpoint | undefined;
  private stoppedEarly = false;
  private readonly reports: EpochReport[] = [];
  /** Every epoch of the run; a partial epoch is replaced when it completes. */
  private readonly history: EpochHistory[];
  private readonly watch: DivergenceWatch;
  private shape: StepShape = { fields: [], metricNames: [], outputs: ["loss"] };

  constructor(private readonly s: TrainerSetup) {
    const at = s.resumed;
    this.steps = at?.step ?? 0;
    this.seen = at?.examplesSeen ?? 0;
    this.history = at ? at.history.filter((e) => e.epoch < at.epoch) : [];
    this.watch = new DivergenceWatch(at?.lossReference);
  }

  /** Trains every epoch left, then evaluates the test split. */
  async run(): Promise<TrainResult> {
    const { spec, events, resumed } = this.s;
    const clipApplied = await this.start();
    for (let epoch = resumed?.epoch ?? 1; epoch <= spec.epochs; epoch++) {
      if (this.atMaxSteps()) {
        this.stoppedEarly = true;
        break;
      }
      const report = await this.epoch(epoch);
      this.stoppedEarly = report.partial === true;
      if (report.partial) break;
      if (events.signal?.aborted && epoch < spec.epochs) throw this.interrupted();
    }
    // Training is saved by now: Ctrl-C during the test evaluation stops it and names the checkpoint.
    const stop = () => {
      if (events.signal?.aborted) throw this.interrupted();
    };
    const test = this.s.data.test ? await this.evaluate(this.s.data.test, stop) : undefined;
    return {
      epochs: this.reports,
      ...(test ? { test } : {}),
      steps: this.steps,
      examplesSeen: this.seen,
      seconds: (performance.now() - this.s.t0) / 1000,
      clipApplied,
      params: await this.s.runners.params(),
      ...(this.saved ? { checkpoint: this.saved } : {}),
      history: this.history,
      stoppedEarly: this.stoppedEarly,
    };
  }

  /** Makes the first runner and learns what a step reads back; whether clipping is applied. */
  private async start(): Promise<boolean> {
    const { spec } = this.s;
    const first = await this.s.runners.get(Math.min(spec.batch, spec.trainExamples), "train");
    const fields = first.plan.uniforms?.fields ?? [];
    // What each step reads back: the loss and the metrics (every plan of the section has them).
    const metricNames = first.plan.programs.train!.outputs.filter((n) => n.startsWith("metric:"));
    this.shape = { fields, metricNames, outputs: ["loss", ...metricNames] };
    // Clipping is compiled into every plan with parameters when the section sets it.
    return fields.includes("clip");
  }

  private atMaxSteps(): boolean {
    const max = this.s.spec.maxSteps;
    return max !== undefined && this.steps >= max;
  }

  private interrupted(): InterruptedError {
    return new InterruptedError(this.steps, this.s.sink.path);
  }

  /**
   * Trains epoch `epoch` from its first batch (or the resumed run's next one) to its end, or to
   * `maxSteps`; then validates, saves and reports it.
   */
  async epoch(epoch: number): Promise<EpochReport> {
    const { spec, resumed, events } = this.s;
    const count = spec.trainExamples;
    const te = performance.now();
    const list = batches(count, spec.batch);
    const here = resumed && epoch === resumed.epoch ? resumed : undefined;
    const firstBatch = here?.nextBatch ?? 0;
    const run: EpochRun = {
      epoch,
      order: permutation(count, spec.seed, 0x30000 + epoch),
      lossSum: here?.epochLossSum ?? 0,
      // Every batch before a remainder is full.
      examples: Math.min(firstBatch * spec.batch, count),
      pending: undefined,
    };
    let next = firstBatch;
    for (; next < list.length; next++) {
      if (this.atMaxSteps()) break;
      if (events.signal?.aborted) {
        await this.settle(run);
        await this.save(epoch, next, run.lossSum, "interrupt");
        throw this.interrupted();
      }
      await this.step(run, list[next]!);
    }
    await this.settle(run);
    const partial = next < list.length;
    /** Steps this call ran in the epoch (fewer than the epoch's after a resume or maxSteps). */
    const steps = next - firstBatch;
    const gradNorms = events.watchGrads && steps > 0 ? await this.gradNorms() : undefined;
    const seconds = (performance.now() - te) / 1000;
    const validation = this.s.data.validation
      ? await this.evaluate(this.s.data.validation)
      : undefined;
    const report: EpochReport = {
      epoch,
      loss: run.lossSum / run.examples,
      steps: spec.stepsPerEpoch,
      examples: run.examples,
      seconds,
      stepsPerSecond: steps / seconds,
      ...(validation ? { validation } : {}),
      ...(gradNorms ? { gradNorms } : {}),
      ...(partial ? { partial: true } : {}),
    };
    this.history.push(historyEntry(report));
    if (partial) await this.save(epoch, next, run.lossSum, "max-steps");
    else await this.save(epoch + 1, 0, 0, "epoch");
    this.reports.push(report);
    events.onEpoch?.(report);
    return report;
  }

  /**
   * Runs batch `b` of the epoch as the next global step. Its loss and metrics are read (one copy)
   * while the next step runs; the previous step's are awaited and reported first.
   */
  async step(run: EpochRun, b: Batch): Promise<void> {
    const { runners, spec, train } = this.s;
    const runner = await runners.get(b.size, "train", () => this.settle(run));
    const step = ++this.steps;
    writeBatch(runner, "train", this.s.data.train, run.order, b, step);
    const lr = learningRate(train.schedule, spec.lr, step, spec.totalSteps);
    const { fields } = this.shape;
    const clip = train.clipGradNorm ?? 0;
    const u = uniformValues(fields, stepScalars(train.optimizer, step, lr, clip));
    if (fields.length > 0) runner.writeUniforms(u);
    runner.run("train");
    runners.updated(runner);
    this.seen += b.size;
    run.examples += b.size;
    const promise = runner.readOutputs(this.shape.outputs);
    // Training may stop before this read is awaited (a diverged loss): never unhandled.
    promise.catch(() => {});
    await this.settle(run);
    run.pending = { promise, step, size: b.size, lr: u.lr ?? spec.lr, examples: this.seen };
  }

  /** Awaits the pending step's loss and metrics, applies the divergence rule and reports it. */
  private async settle(run: EpochRun): Promise<void> {
    const pending = run.pending;
    if (!pending) return;
    const [lossValue, ...metricValues] = await pending.promise;
    const loss = lossValue![0]!;
    const verdict = this.watch.observe(pending.step, loss);
    this.s.sink.observe(pending.step, verdict.kind === "ok");
    if (verdict.kind === "diverged")
      throw new DivergedError(pending.step, loss, this.s.sink.diverged(), verdict.what);
    run.lossSum += loss * pending.size;
    const metrics = emptyRecord<number>();
    this.shape.metricNames.forEach(
      (n, k) => (metrics[n.slice("metric:".length)] = metricValues[k]![0]!),
    );
    this.s.events.onStep?.({
      step: pending.step,
      epoch: run.epoch,
      loss,
      metrics,
      lr: pending.lr,
      examples: pending.examples,
      seconds: (performance.now() - this.s.t0) / 1000,
    });
    run.pending = undefined;
  }

  /** Each parameter's gradient L2 norm as the last step left it. */
  private async gradNorms(): Promise<Record<string, number>> {
    const norms = emptyRecord<number>();
    const runner = this.s.runners.current;
    for (const g of runner.plan.grads ?? []) {
      const values = await runner.readGrad(g.name);
      let sum = 0;
      for (let k = 0; k < values.length; k++) sum += values[k]! * values[k]!;
      norms[g.name] = Math.sqrt(sum);
    }
    return norms;
  }

  /** The `eval` program over `data` with the current parameters; `stop` may throw between batches. */
  evaluate(data: Dataset, stop?: () => void): Promise<EvalReport> {
    return evaluate(this.s.runners, data, this.s.spec.batch, this.steps, stop);
  }

  /**
   * Saves parameters, moments and the position (the epoch of the next step, its next batch, the
   * epoch's loss so far), unless a value is not finite (then training has diverged).
   */
  async save(
    epoch: number,
    nextBatch: number,
    epochLossSum: number,
    reason: SavedCheckpoint["reason"],
  ): Promise<void> {
    const { sink, runners } = this.s;
    const path = sink.path;
    if (!path) return;
    const values = await runners.params(true);
    for (const [name, v] of values)
      if (!allFinite(v))
        throw new DivergedError(
          this.steps,
          NaN,
          sink.diverged(),
          `\`${name}\` is not finite after the update`,
        );
    const plan = runners.current.plan;
    const tensors = new Map<string, CheckpointTensor>();
    for (const p of modelTensors(plan))
      tensors.set(p.name, { dtype: "F32", shape: p.shape, data: values.get(p.name)! });
    for (const s of plan.state)
      tensors.set(OPTIMIZER_PREFIX + s.name, {
        dtype: "F32",
        shape: s.shape,
        data: values.get(s.name)!,
      });
    const metadata = encodeTrainingMeta(this.meta(epoch, nextBatch, epochLossSum, reason));
    sink.save(this.steps, { tensors, metadata });
    this.saved = { path, step: this.steps, epoch, nextBatch, reason };
    this.s.events.onCheckpoint?.(this.saved);
  }

  /** The metadata of a checkpoint saved now. */
  private meta(
    epoch: number,
    nextBatch: number,
    epochLossSum: number,
    reason: SavedCheckpoint["reason"],
  ): TrainingMeta {
    const { spec, train } = this.s;
    const { optimizer, schedule } = train;
    return {
      model: spec.model,
      source: this.s.events.sourceFile ?? "",
      step: this.steps,
      epoch,
      nextBatch,
      epochs: spec.epochs,
      stepsPerEpoch: spec.stepsPerEpoch,
      batch: spec.batch,
      seed: spec.seed,
      lr: spec.lr,
      optimizer: optimizer.name,
      optimizerArgs: optimizer.args,
      schedule: { name: schedule.name, args: schedule.args },
      clipGradNorm: train.clipGradNorm ?? 0,
      trainExamples: spec.trainExamples,
      examplesSeen: this.seen,
      epochLossSum,
      history: this.history,
      reason,
      ...(this.watch.reference !== undefined ? { lossReference: this.watch.reference } : {}),
      ...(this.s.data.train.classes ? { classes: this.s.data.train.classes } : {}),
    };
  }
}

const allFinite = (a: Float32Array) => {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
};
