/**
 * @file One resolution of a run's settings, shared by `grove train` and the trainer: each setting
 * from the overrides (the command line, the library's options), else the checkpoint a run resumes,
 * else the train section; the steps they make; and what refuses the run, as data. A resumed run
 * must see the same batches in the same order as the one it continues (model, optimizer, batch,
 * seed, example count and position must agree with the checkpoint); the step is an i32 on the GPU
 * and in checkpoints, so a run may take at most `MAX_COUNT` steps.
 */
import { UserError } from "../diag/diagnostic.js";
import type { OptimizerSpec } from "../ops/optimizers.js";
import { scheduleSchemas, type ScheduleSpec } from "../ops/schedules.js";
import { MAX_COUNT, type TrainingMeta } from "../runtime/checkpoint-meta.js";
import { CheckpointError } from "../runtime/safetensors.js";

/**
 * What a run needs of a train section: an `ElaboratedTrain` is one, and an exported program
 * carries these without the graph.
 */
export interface TrainSettings {
  readonly model: string;
  readonly optimizer: OptimizerSpec;
  readonly schedule: ScheduleSpec;
  readonly batch: number;
  readonly epochs: number;
  readonly seed: number;
  readonly clipGradNorm?: number;
}

/** Settings given for this run, over the checkpoint's and the train section's. */
export interface RunOverrides {
  readonly epochs?: number | undefined;
  readonly batch?: number | undefined;
  readonly lr?: number | undefined;
  readonly seed?: number | undefined;
  /** Evaluate on the first `evalLimit` examples of the validation and test splits only. */
  readonly evalLimit?: number | undefined;
  /** Stop after this many training steps in total (the global step). */
  readonly maxSteps?: number | undefined;
}

/** The checkpoint a run continues: where it is, and its decoded metadata. */
export interface ResumedRun {
  readonly path: string;
  readonly meta: TrainingMeta;
}

/** A run's settings, resolved. */
export interface RunSpec {
  readonly model: string;
  readonly seed: number;
  /** At most the number of training examples. */
  readonly batch: number;
  readonly epochs: number;
  /** The base learning rate (before the schedule). */
  readonly lr: number;
  readonly trainExamples: number;
  /** Full batches and the remainder. */
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly evalLimit?: number;
  readonly maxSteps?: number;
}

/** Why a run cannot start: `file` (a checkpoint) when the reason is in it. */
export interface RunRefusal {
  readonly file?: string;
  readonly detail: string;
}

export interface ResolvedRun {
  readonly spec: RunSpec;
  /** Empty when the run may start. */
  readonly refusals: readonly RunRefusal[];
  /** What differs from the run resumed, for the user. */
  readonly warnings: readonly string[];
}

/** A run that cannot start for a reason outside any checkpoint (`RunRefusal` without a file). */
export class RunSpecError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "RunSpecError";
  }
}

/** The seed, which decides the data (synthetic sets, held-out splits) before anything else. */
export function runSeed(
  train: TrainSettings,
  overrides: RunOverrides,
  resumed?: ResumedRun,
): number {
  return overrides.seed ?? resumed?.meta.seed ?? train.seed;
}

/** The settings of a run of `train` on `trainExamples` examples, and what refuses it. */
export function resolveRun(
  train: TrainSettings,
  overrides: RunOverrides,
  trainExamples: number,
  resumed?: ResumedRun,
): ResolvedRun {
  const at = resumed?.meta;
  const batch = Math.min(overrides.batch ?? at?.batch ?? train.batch, trainExamples);
  const epochs = overrides.epochs ?? at?.epochs ?? train.epochs;
  const stepsPerEpoch = Math.ceil(trainExamples / batch);
  const spec: RunSpec = {
    model: train.model,
    seed: runSeed(train, overrides, resumed),
    batch,
    epochs,
    lr: overrides.lr ?? at?.lr ?? train.optimizer.args.lr,
    trainExamples,
    stepsPerEpoch,
    totalSteps: epochs * stepsPerEpoch,
    ...(overrides.evalLimit !== undefined ? { evalLimit: overrides.evalLimit } : {}),
    ...(overrides.maxSteps !== undefined ? { maxSteps: overrides.maxSteps } : {}),
  };
  if (trainExamples === 0)
    return { spec, refusals: [{ detail: "the training data is empty" }], warnings: [] };
  const refusals = resumed ? resumeRefusals(train, spec, resumed) : [];
  if (spec.totalSteps > MAX_COUNT)
    refusals.push({
      detail: `${epochs} epochs of ${stepsPerEpoch} steps are more than the ${MAX_COUNT} steps a run may take`,
    });
  return { spec, refusals, warnings: resumed ? resumeWarnings(train, spec, resumed.meta) : [] };
}

/** Why `resumed` cannot be continued as `spec`, in the order they are checked. */
function resumeRefusals(train: TrainSettings, spec: RunSpec, resumed: ResumedRun): RunRefusal[] {
  const at = resumed.meta;
  const { model, batch, seed, trainExamples: count } = spec;
  const optimizer = train.optimizer.name;
  const steps = Math.ceil(at.trainExamples / at.batch);
  const rules: [boolean, string][] = [
    [at.model !== model, `was saved for model ${at.model}, not ${model}`],
    [
      at.optimizer !== optimizer,
      `was saved with the ${at.optimizer} optimizer, but the train section uses ${optimizer}`,
    ],
    // A batch over the example count trains as one batch of them all (so it was saved).
    [
      Math.min(at.batch, count) !== batch,
      `was saved with batch ${at.batch}; resume with the same batch, not ${batch}`,
    ],
    [at.seed !== seed, `was saved with seed ${at.seed}; resume with the same seed, not ${seed}`],
    [
      at.trainExamples !== count,
      `was saved training on ${at.trainExamples} examples, but the data has ${count}`,
    ],
    [
      at.nextBatch > steps || at.epoch < 1 || at.step !== (at.epoch - 1) * steps + at.nextBatch,
      `its position (step ${at.step}, epoch ${at.epoch}, batch ${at.nextBatch}) does not fit ${steps} steps per epoch`,
    ],
  ];
  return rules.filter(([refused]) => refused).map(([, detail]) => ({ file: resumed.path, detail }));
}

/** Schedules that span the run (cosine, linear) change every rate when the epochs change. */
function resumeWarnings(train: TrainSettings, spec: RunSpec, at: TrainingMeta): string[] {
  const schedule = train.schedule.name;
  if (at.epochs === spec.epochs || !scheduleSchemas[schedule].spansRun) return [];
  return [
    `the checkpoint was saved for ${at.epochs} epochs and this run has ${spec.epochs}: the ${schedule} schedule now spans ${spec.totalSteps} steps, so the learning rates differ from the original run's`,
  ];
}

/** A refusal as one line: `FILE: detail`, or the detail alone. */
export const refusalText = (r: RunRefusal): string =>
  r.file ? `${r.file}: ${r.detail}` : r.detail;

/** Throws the first refusal: a `CheckpointError` for one in a checkpoint, else a `RunSpecError`. */
export function refuse(resolved: ResolvedRun): void {
  const r = resolved.refusals[0];
  if (!r) return;
  throw r.file !== undefined ? new CheckpointError(r.file, r.detail) : new RunSpecError(r.detail);
}
