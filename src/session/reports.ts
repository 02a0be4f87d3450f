/**
 * @file What a training session reports: each step, each epoch (with its validation), the
 * result, the checkpoints it saved, and the per-epoch history checkpoints keep for the chart.
 * Plain data, so the same events drive `grove train`'s output, a JSON log or a web page.
 */
import type { EpochHistory } from "../runtime/checkpoint-meta.js";

export type { EpochHistory } from "../runtime/checkpoint-meta.js";

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

/** An epoch as a checkpoint's history keeps it. */
export const historyEntry = (e: EpochReport): EpochHistory => ({
  epoch: e.epoch,
  loss: e.loss,
  ...(e.validation
    ? { validation: { loss: e.validation.loss, metrics: e.validation.metrics } }
    : {}),
  ...(e.partial ? { partial: true } : {}),
});

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

/** One model output over every example: `data` holds `count` × `shape` values in example order. */
export interface Prediction {
  readonly name: string;
  /** The output's shape after the batch dimension. */
  readonly shape: readonly number[];
  readonly dtype: "f32" | "i32";
  readonly data: Float32Array | Int32Array;
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
