/**
 * @file The training session's public API, for any JavaScript host (Node, a browser page, an
 * exported program): `trainSession` over a backend (a WebGPU device or `"cpu"`), in-memory data
 * and checkpoints already read, saving through a `CheckpointSink`; the `Trainer` it drives; the
 * shared run-spec resolution; evaluation and prediction from a checkpoint. Nothing reachable from
 * here imports a `node:` module (a test bundles it for the browser); `node.ts` adds files.
 */
export { batches, planBatch, writeBatch, type Batch } from "./batches.js";
export { DIVERGENCE, DivergenceWatch, type LossVerdict } from "./divergence.js";
export { DivergedError, InterruptedError } from "./errors.js";
export {
  checkLoaded,
  evaluate,
  evaluateCheckpoint,
  predict,
  type FromCheckpointOptions,
  type LoadedCheckpoint,
} from "./evaluate.js";
export {
  GRAD_EXPLODING,
  GRAD_VANISHING,
  gradStatus,
  historyEntry,
  type EpochHistory,
  type EpochReport,
  type EvalReport,
  type Prediction,
  type SavedCheckpoint,
  type StepReport,
  type TrainResult,
} from "./reports.js";
export {
  CheckpointRotation,
  MemoryCheckpointStore,
  siblingPath,
  type CheckpointSink,
  type CheckpointStore,
  type DivergenceOutcome,
  type KeptCheckpoint,
} from "./rotation.js";
export {
  refuse,
  refusalText,
  resolveRun,
  runSeed,
  RunSpecError,
  type ResolvedRun,
  type ResumedRun,
  type RunOverrides,
  type RunRefusal,
  type RunSpec,
  type TrainSettings,
} from "./run-spec.js";
export {
  compilingRunners,
  planRunners,
  Runners,
  type Backend,
  type MakeRunner,
  type Runner,
  type RunnerOptions,
} from "./runners.js";
export { learningRate } from "./schedule.js";
export {
  refuseResumeWithInit,
  runSession,
  trainSession,
  type DataSource,
  type PlannedSessionOptions,
  type SessionOptions,
} from "./session.js";
export { Trainer, type TrainerEvents, type TrainerSetup } from "./trainer.js";
