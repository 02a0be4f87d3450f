/**
 * @file The training session in Node: checkpoints given by path are read from files, new ones
 * saved as files with rotation (`CheckpointKeeper`: `CheckpointRotation` over
 * `fileCheckpointStore`), and the data loaded from the train section's source when not given.
 * `train`, `evaluateCheckpoint` and `predict` take what `session.ts` and `evaluate.ts` take, with
 * paths where those take checkpoints already read. This module imports nothing from `node:`
 * itself, but the runtime's file and data modules it uses do: a browser imports `index.ts`.
 */
import { UserError } from "../diag/diagnostic.js";
import { readCheckpoint } from "../runtime/checkpoint.js";
import { fileCheckpointStore } from "../runtime/checkpoint-store.js";
import { loadData } from "../runtime/data/index.js";
import type { Dataset, Splits } from "../runtime/data/types.js";
import * as portable from "./evaluate.js";
import type { FromCheckpointOptions, LoadedCheckpoint } from "./evaluate.js";
import type { EvalReport, Prediction, TrainResult } from "./reports.js";
import { CheckpointRotation, type KeptCheckpoint } from "./rotation.js";
import { refuseResumeWithInit, trainSession, type SessionOptions } from "./session.js";

export * from "./index.js";

/** A checkpoint given by its path, or already read (the path is then only for messages). */
export type CheckpointSource = string | LoadedCheckpoint;

const read = (source: CheckpointSource): LoadedCheckpoint =>
  typeof source === "string" ? { path: source, checkpoint: readCheckpoint(source) } : source;

/** Rotation of checkpoint files at `path` (none saved when undefined). */
export class CheckpointKeeper extends CheckpointRotation {
  /** `resumed`: the checkpoint this run continues (pending until its next loss is seen). */
  constructor(path: string | undefined, resumed?: KeptCheckpoint) {
    super(path, fileCheckpointStore, resumed);
  }
}

export interface TrainOptions extends Omit<
  SessionOptions,
  "data" | "checkpoints" | "resume" | "init"
> {
  /** The data; loaded from the train section's source when absent. */
  readonly data?: Splits;
  /** Where to save a checkpoint after every epoch and on an interrupt; none when absent. */
  readonly checkpoint?: string;
  /** Continue the run saved in this checkpoint: parameters, optimizer state and position. */
  readonly resume?: CheckpointSource;
  /** Start from this checkpoint's parameters, with fresh optimizer state at step 0. */
  readonly init?: CheckpointSource;
}

/** Trains `options.train` on the GPU or the CPU (`options.device`) and reports each epoch. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  refuseResumeWithInit(options);
  const { data, checkpoint, resume, init, ...rest } = options;
  return trainSession({
    ...rest,
    data: data ?? ((seed, classes) => loadData(options.train.data, seed, ".", classes)),
    checkpoints: (resumed) => new CheckpointKeeper(checkpoint, resumed),
    ...(resume ? { resume: read(resume) } : {}),
    ...(init ? { init: read(init) } : {}),
  });
}

type FromFile<T> = Omit<T, "checkpoint"> & { readonly checkpoint: CheckpointSource };

/** The `eval` program's mean loss and metrics over `data` with a checkpoint's parameters. */
export async function evaluateCheckpoint(
  options: FromFile<FromCheckpointOptions> & { readonly data: Dataset },
): Promise<EvalReport> {
  return portable.evaluateCheckpoint({ ...options, checkpoint: read(options.checkpoint) });
}

/** Every model output for `inputs` with a checkpoint's parameters (`evaluate.ts`'s `predict`). */
export async function predict(
  options: FromFile<FromCheckpointOptions> & { readonly inputs: Dataset },
): Promise<Prediction[]> {
  if (options.inputs.count === 0) throw new UserError("there are no examples to predict");
  return portable.predict({ ...options, checkpoint: read(options.checkpoint) });
}
