/**
 * @file A training session from plain inputs: the train section, a backend, the data (or how to
 * load it from the run's seed), checkpoints already read and where new ones go. It resolves the
 * run (`run-spec.ts`), writes the starting parameters (from the seed, a resumed run or `init`),
 * and hands the rest to the `Trainer`. `trainSession` compiles plans as it needs them;
 * `runSession` takes how runners are made (plans compiled beforehand: an exported program, which
 * carries no compiler). Nothing here touches files: `node.ts` adds them.
 */
import type { FusionPolicy } from "../codegen/fusion-policy.js";
import type { RematPolicy } from "../ir/remat.js";
import type { CompiledPlan } from "../codegen/compile.js";
import { modelTensors, type Plan } from "../codegen/plan.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { checkFinite, OPTIMIZER_PREFIX, tensorsFor } from "../runtime/safetensors.js";
import { decodeTrainingMeta } from "../runtime/checkpoint-meta.js";
import { subset, type Dataset, type Splits } from "../runtime/data/types.js";
import { initialiseParams } from "../runtime/host-data.js";
import { inOrder } from "./batches.js";
import { checkLoaded, type LoadedCheckpoint } from "./evaluate.js";
import type { TrainResult } from "./reports.js";
import type { CheckpointSink, KeptCheckpoint } from "./rotation.js";
import {
  refuse,
  resolveRun,
  runSeed,
  RunSpecError,
  type RunOverrides,
  type TrainSettings,
} from "./run-spec.js";
import {
  compilingRunners,
  Runners,
  type Backend,
  type MakeRunner,
  type Runner,
} from "./runners.js";
import { Trainer, type TrainerEvents } from "./trainer.js";

/**
 * The data, or how to load it for a seed; `classes` are a resumed run's class names (a CSV's
 * categorical labels), so its labels keep their numbers.
 */
export type DataSource = Splits | ((seed: number, classes?: readonly string[]) => Splits);

/** A session over runners made elsewhere (`runSession`): no compiler is reachable from it. */
export interface PlannedSessionOptions extends RunOverrides, TrainerEvents {
  readonly train: TrainSettings;
  /** How the runners are made, given the run's seed (random numbers in a plan depend on it). */
  readonly runners: (seed: number) => MakeRunner;
  readonly data: DataSource;
  /**
   * Where checkpoints go, given the checkpoint the run resumes (it counts as the last good one
   * until a loss says otherwise); nothing is saved without it.
   */
  readonly checkpoints?: (resumed: KeptCheckpoint | undefined) => CheckpointSink;
  /** Continue the run saved in this checkpoint: parameters, optimizer state and position. */
  readonly resume?: LoadedCheckpoint;
  /** Start from this checkpoint's parameters, with fresh optimizer state at step 0. */
  readonly init?: LoadedCheckpoint;
}

export interface SessionOptions extends Omit<PlannedSessionOptions, "train" | "runners"> {
  readonly device: Backend;
  readonly train: ElaboratedTrain;
  readonly fuse?: boolean;
  /** The fusion rules when `fuse` is on (`--fusion`; default: `defaultPolicy`). */
  readonly fusion?: FusionPolicy;
  /** What the backward recomputes (`--remat`; default `store`), for every plan it compiles. */
  readonly remat?: RematPolicy;
  /** Source texts, for kernel headers. */
  readonly sources?: ReadonlyMap<string, string>;
  /**
   * The Plan for the full batch size, when the caller already compiled it (the CPU backend also
   * needs its graphs: pass what `compilePlan` returns, or the plan is compiled again).
   */
  readonly plan?: Plan | CompiledPlan;
}

/** A sink that saves nothing. */
const nowhere: CheckpointSink = { path: undefined, save() {}, observe() {}, diverged: () => ({}) };

/** Refuses `resume` with `init` (before either is read). */
export function refuseResumeWithInit(options: { resume?: unknown; init?: unknown }): void {
  if (options.resume && options.init)
    throw new RunSpecError(
      "resume and init cannot be combined: resume continues a run, init starts one",
    );
}

/** Trains `options.train` on the GPU or the CPU (`options.device`) and reports each epoch. */
export async function trainSession(options: SessionOptions): Promise<TrainResult> {
  const { device, fuse, fusion, remat, sources, plan, ...rest } = options;
  const runnerOptions = {
    fuse: fuse ?? true,
    ...(fusion ? { fusion } : {}),
    ...(remat ? { remat } : {}),
    ...(sources ? { sources } : {}),
  };
  return runSession({
    ...rest,
    runners: (seed) => compilingRunners(device, { ...options.train, seed }, runnerOptions, plan),
  });
}

/** Trains with the runners `options.runners` makes and reports each epoch. */
export async function runSession(options: PlannedSessionOptions): Promise<TrainResult> {
  const t0 = performance.now();
  refuseResumeWithInit(options);
  const { resume, init } = options;
  // A resumed checkpoint's metadata is decoded once here (checkLoaded would decode it too).
  const at = resume ? decodeTrainingMeta(resume.checkpoint, resume.path) : undefined;
  if (resume) checkFinite(resume.checkpoint, resume.path);
  if (init) checkLoaded(init);
  const resumed = resume && at ? { path: resume.path, meta: at } : undefined;
  const seed = runSeed(options.train, options, resumed);
  const data = typeof options.data === "function" ? options.data(seed, at?.classes) : options.data;
  const resolved = resolveRun(options.train, options, data.train.count, resumed);
  refuse(resolved);
  for (const w of resolved.warnings) options.onWarning?.(w);
  const { spec } = resolved;
  const limit = (set: Dataset | undefined): Dataset | undefined =>
    set && spec.evalLimit !== undefined && spec.evalLimit < set.count
      ? subset(set, inOrder(spec.evalLimit))
      : set;
  const runners = new Runners(options.runners(seed), startingPoint(options, seed));
  try {
    const sink = options.checkpoints?.(resumed && { path: resumed.path, step: resumed.meta.step });
    const validation = limit(data.validation);
    const test = limit(data.test);
    const trainer = new Trainer({
      train: options.train,
      spec,
      runners,
      data: { train: data.train, ...(validation ? { validation } : {}), ...(test ? { test } : {}) },
      sink: sink ?? nowhere,
      events: options,
      ...(at ? { resumed: at } : {}),
      t0,
    });
    return await trainer.run();
  } finally {
    runners.destroy();
  }
}

/**
 * Writes the starting parameters and optimizer state into the first runner: from the seed, or the
 * resumed checkpoint's parameters and moments, or `init`'s parameters with zero moments (warning
 * about tensors the model does not have and another model's name).
 */
function startingPoint(options: PlannedSessionOptions, seed: number): (runner: Runner) => void {
  const { resume, init } = options;
  return (runner) => {
    const plan = runner.plan;
    const from = resume ?? init;
    if (!from) return initialiseParams(runner, plan, seed);
    const tensors = tensorsFor(from.checkpoint, plan, from.path, { state: !!resume });
    for (const p of modelTensors(plan)) runner.writeParam(p.name, tensors.get(p.name)!);
    for (const s of plan.state)
      runner.writeParam(
        s.name,
        resume ? tensors.get(s.name)! : new Float32Array(s.shape.reduce((a, d) => a * d, 1)),
      );
    if (init) initWarnings(init, modelTensors(plan), options);
  };
}

function initWarnings(
  init: LoadedCheckpoint,
  params: readonly { readonly name: string }[],
  options: PlannedSessionOptions,
): void {
  const known = new Set(params.map((p) => p.name));
  const extra = [...init.checkpoint.tensors.keys()].filter(
    (k) => !known.has(k) && !k.startsWith(OPTIMIZER_PREFIX),
  );
  if (extra.length > 0)
    options.onWarning?.(
      `${init.path}: ignoring tensors the model does not have: ${extra.join(", ")}`,
    );
  const saved = init.checkpoint.metadata.model;
  const model = options.train.model;
  if (saved && saved !== model)
    options.onWarning?.(`${init.path} was saved for model ${saved}; its parameters fit ${model}`);
}
