/**
 * @file `grove train FILE`: trains the file's first train section on the GPU (or with `--backend
 * cpu` on the host, through the reference interpreter) with the command line's overrides, printing
 * a line per epoch (and on a TTY a live progress line; elsewhere a line per step at most every two
 * seconds), the test split's loss and metrics at the end, and optionally every event as JSON lines.
 * Checkpoints go to `checkpoints/<model>.safetensors` next to the file (or `--checkpoint`), with
 * the chart of the run's epochs beside it (`.svg`); `--resume` continues a saved run, `--init`
 * starts from saved parameters, `--max-steps` stops early (smoke tests); the first Ctrl-C saves and
 * exits 130, the second exits at once.
 */
import { dirname, join } from "node:path";
import { mkdirSync } from "node:fs";
import type { CompiledPlan } from "../codegen/compile.js";
import { idBound } from "../ir/id-bound.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import type { TrainingMeta } from "../runtime/checkpoint-meta.js";
import type { Dataset, Splits } from "../runtime/data/types.js";
import type { LoadedCheckpoint } from "../session/evaluate.js";
import { introLine, resumeLine } from "../session/report-text.js";
import { refusalText, resolveRun, runSeed, type RunSpec } from "../session/run-spec.js";
import { policyFromFlags } from "./fusion-flags.js";
import type { Io } from "./io.js";
import { compiledOf, loadChecked, openBackend, type BackendName } from "./load.js";
import { outputFileProblem } from "./output-path.js";
import { chartPath, TrainOutput } from "./train-output.js";
import type { CommandOptions } from "./commands.js";
import { shellCommand, stopOnInterrupt } from "../export/node/terminal.js";

export type TrainCliOptions = CommandOptions<"train">;

/** Where `grove train` saves checkpoints by default: `checkpoints/<model>.safetensors` by the file. */
export function defaultCheckpoint(file: string, model: string): string {
  return join(dirname(file), "checkpoints", `${model}.safetensors`);
}

/**
 * Why `data` does not fit the model, or undefined when it does: a field whose values per example
 * differ from the input's, or an id (a label, a token) outside what the model can take — the
 * depth of the `one_hot` or the rows of the table it indexes.
 */
export function dataMisfit(
  compiled: CompiledPlan,
  data: Dataset,
  split?: string,
): string | undefined {
  for (const input of compiled.plan.inputs) {
    const field = data.fields.get(input.name);
    if (!field) continue;
    const per = input.shape.slice(1).reduce((p, d) => p * d, 1);
    if (field.perExample !== per)
      return (
        `the data's \`${input.name}\` has ${field.perExample} values per example, ` +
        `but the model input \`${input.name}\` takes ${per} ([${input.shape.slice(1).join(", ")}] after the batch)`
      );
    const node = compiled.compiled.training.inputs.get(input.name);
    const bound =
      node && field.dtype === "i32" ? idBound(compiled.compiled.training, node) : undefined;
    if (bound === undefined) continue;
    const i = field.data.findIndex((v) => v < 0 || v >= bound);
    if (i >= 0)
      return (
        `the data's \`${input.name}\` has the value ${field.data[i]} ` +
        `(example ${Math.floor(i / per) + 1}${split ? ` of the ${split} split` : ""}), ` +
        `but the model takes \`${input.name}\` values from 0 to ${bound - 1}`
      );
  }
  return undefined;
}

/**
 * Why `grove train` could not write one of its outputs, checked before any work: the checkpoint
 * (its folder is created: the default `checkpoints/` rarely exists yet), the chart beside it and
 * the `--log-json` file (its folder must exist, as for a shell redirection). Undefined when all
 * can be written.
 */
export function outputsProblem(
  checkpoint: string,
  chart: string,
  logJson: string | undefined,
): string | undefined {
  const folder = dirname(checkpoint);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === undefined) throw e;
    return `cannot create the folder ${folder} for the checkpoint ${checkpoint} (${code})`;
  }
  for (const path of [checkpoint, chart, ...(logJson !== undefined ? [logJson] : [])]) {
    const problem = outputFileProblem(path);
    if (problem) return problem;
  }
  return undefined;
}

/** The command that continues an interrupted run: the same file and overrides, from `path`. */
export function resumeCommand(file: string, path: string, opts: TrainCliOptions): string {
  const args = ["grove", "train", file, "--resume", path];
  if (opts.epochs !== undefined) args.push("--epochs", String(opts.epochs));
  if (opts.lr !== undefined) args.push("--lr", String(opts.lr));
  if (!opts.fuse) args.push("--no-fuse");
  if (opts.fusionPolicy !== undefined) args.push("--fusion-policy", opts.fusionPolicy);
  if (opts.fusion !== undefined) args.push("--fusion", opts.fusion);
  if (opts.remat !== undefined) args.push("--remat", opts.remat);
  if (opts.memoryBudget !== undefined) args.push("--memory-budget", String(opts.memoryBudget));
  // A backend named on the command line is named again: without it the resumed run would pick
  // its backend by itself (onnx on a machine without a GPU), and its steps would round otherwise.
  if (opts.backend !== undefined) args.push("--backend", opts.backend);
  for (const s of opts.set ?? []) args.push("--set", s);
  return shellCommand(args);
}

/** What `grove train` reads before it trains: checkpoints, data, and the run they resolve to. */
interface LoadedRun {
  readonly resume?: LoadedCheckpoint;
  /** The resumed checkpoint's metadata. */
  readonly at?: TrainingMeta;
  readonly init?: LoadedCheckpoint;
  readonly data: Splits;
  readonly spec: RunSpec;
}

/**
 * Reads `--resume` and `--init`, loads the data from the run's seed and resolves the run
 * (`resolveRun`, as the trainer does); the message of the first problem otherwise.
 */
async function loadRun(
  file: string,
  section: ElaboratedTrain,
  opts: TrainCliOptions,
): Promise<LoadedRun | string> {
  const { DataError, loadData, UnsupportedDataError } = await import("../runtime/data/index.js");
  const { CheckpointError, readCheckpoint } = await import("../runtime/checkpoint.js");
  const { decodeTrainingMeta } = await import("../runtime/checkpoint-meta.js");
  const { checkLoaded } = await import("../session/evaluate.js");
  const read = (path: string) => ({ path, checkpoint: readCheckpoint(path) });
  let resume, at, init;
  try {
    if (opts.resume !== undefined) {
      resume = read(opts.resume);
      at = decodeTrainingMeta(resume.checkpoint, resume.path);
      checkLoaded(resume);
    }
    if (opts.init !== undefined) checkLoaded((init = read(opts.init)));
  } catch (e) {
    if (e instanceof CheckpointError) return e.message;
    throw e;
  }
  const resumed = resume && at ? { path: resume.path, meta: at } : undefined;
  let data;
  try {
    data = loadData(section.data, runSeed(section, opts, resumed), dirname(file), at?.classes);
  } catch (e) {
    if (e instanceof UnsupportedDataError || e instanceof DataError) return e.message;
    throw e;
  }
  const { spec, refusals } = resolveRun(section, opts, data.train.count, resumed);
  if (refusals[0]) return refusalText(refusals[0]);
  return { ...(resume ? { resume, at } : {}), ...(init ? { init } : {}), data, spec };
}

/** Where the intro line says a backend trains. */
const backendWhere: Readonly<Record<BackendName, string>> = {
  gpu: "",
  cpu: ", on the CPU",
  onnx: ", on the CPU through ONNX Runtime",
};

/** The first line of a run: what trains on what, how long, from where. */
function introText(
  section: ElaboratedTrain,
  run: LoadedRun,
  opts: TrainCliOptions,
  backend: BackendName,
): string {
  const { data, spec } = run;
  return introLine({
    model: section.model,
    source: section.data.name,
    counts: {
      train: data.train.count,
      ...(data.validation ? { validation: data.validation.count } : {}),
      ...(data.test ? { test: data.test.count } : {}),
    },
    spec,
    where: backendWhere[backend],
    maxSteps: opts.maxSteps,
    evalLimit: opts.evalLimit,
  });
}

/** Where a resumed or initialised run starts, or that there is nothing left to train. */
function startText(run: LoadedRun, opts: TrainCliOptions): string {
  const { at, spec } = run;
  if (at) return resumeLine(opts.resume!, at, spec);
  return run.init ? `starting from the parameters in ${opts.init}\n` : "";
}

/** The first train section of the checked file, saying which when there are several. */
function firstSection(
  checked: { program: { trains: readonly ElaboratedTrain[] } },
  file: string,
  io: Io,
): ElaboratedTrain | undefined {
  const section = checked.program.trains[0];
  if (!section) io.err(`grove train: ${file} has no train section\n`);
  else if (checked.program.trains.length > 1)
    io.err(
      `grove train: ${file} has several train sections; training the first (${section.model})\n`,
    );
  return section;
}

/** Why the data does not fit the compiled model, split by split; undefined when it does. */
export const splitsMisfit = (compiled: CompiledPlan, data: Splits) =>
  Object.entries({ train: data.train, validation: data.validation, test: data.test })
    .map(([name, split]) => split && dataMisfit(compiled, split, name))
    .find((m) => m !== undefined);

/**
 * Runs `grove train`. While it trains, the first SIGINT stops after the current step with a
 * checkpoint (exit 130) and the second exits the process at once.
 */
export async function trainCommand(file: string, opts: TrainCliOptions, io: Io): Promise<number> {
  const fail = (message: string) => {
    io.err(`grove train: ${message}\n`);
    return 1;
  };
  if (opts.resume !== undefined && opts.init !== undefined)
    return fail(
      "--resume and --init cannot be combined (--resume continues a run, --init starts a new one)",
    );
  const fusion = policyFromFlags("train", opts, io);
  if (!fusion) return 2;
  const checked = loadChecked(file, io, "rich", {
    settings: opts.set ?? [],
    importRoot: opts.importRoot,
  });
  const section = checked && firstSection(checked, file, io);
  if (!checked || !section) return 1;
  const checkpoint = opts.checkpoint ?? opts.resume ?? defaultCheckpoint(file, section.model);
  const chart = chartPath(checkpoint);
  const unwritable = outputsProblem(checkpoint, chart, opts.logJson);
  if (unwritable) return fail(unwritable);
  const run = await loadRun(file, section, opts);
  if (typeof run === "string") return fail(run);
  const { spec, data, at } = run;
  const backend = await openBackend(opts.backend, "train", io);
  if (!backend) return 1;
  const { gpu, options } = backend;
  const compiled = compiledOf(
    checked,
    section,
    {
      fuse: opts.fuse,
      fusion,
      remat: opts.remat,
      memoryBudget: opts.memoryBudget,
      batch: spec.batch,
      device: options,
    },
    io,
  );
  const misfit = compiled && splitsMisfit(compiled, data);
  if (!compiled || misfit) {
    gpu?.close();
    return misfit ? fail(misfit) : 1;
  }
  const history = at ? at.history.filter((e) => e.epoch < at.epoch) : [];
  const out = new TrainOutput(
    io,
    spec,
    { path: chart, title: `${section.model} (${file})` },
    history,
  );
  out.say(introText(section, run, opts, backend.name));
  const start = startText(run, opts);
  if (start) out.say(start);
  const logFailed = opts.logJson !== undefined ? out.openLog(opts.logJson) : undefined;
  if (logFailed) {
    gpu?.close();
    return fail(logFailed);
  }
  const { CheckpointError } = await import("../runtime/checkpoint.js");
  const { DivergedError, InterruptedError, train } = await import("../session/node.js");
  const warn = (text: string) => out.warn(text);
  try {
    const result = await stopOnInterrupt("grove train", warn, (signal) =>
      train({
        device: backend.session,
        train: section,
        plan: compiled,
        data,
        batch: spec.batch,
        epochs: spec.epochs,
        seed: spec.seed,
        fuse: opts.fuse,
        fusion,
        // Every plan of the run (the last partial batch's too) recomputes what the budget chose.
        ...(compiled.remat ? { remat: compiled.remat.report.policy } : {}),
        ...(opts.lr !== undefined ? { lr: opts.lr } : {}),
        ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps } : {}),
        ...(opts.evalLimit !== undefined ? { evalLimit: opts.evalLimit } : {}),
        sources: checked.sources.texts(),
        checkpoint,
        sourceFile: file,
        ...(run.resume ? { resume: run.resume } : {}),
        ...(run.init ? { init: run.init } : {}),
        signal,
        watchGrads: opts.watchGrads ?? false,
        onWarning: (m) => out.warn(`warning: ${m}\n`),
        onCheckpoint: (c) => out.log({ event: "checkpoint", ...c }),
        onStep: (s) => out.step(s),
        onEpoch: (e) => out.epoch(e),
      }),
    );
    out.result(result, opts.maxSteps);
    return 0;
  } catch (e) {
    out.endProgress();
    if (e instanceof InterruptedError) {
      out.log({ event: "interrupted", step: e.step, checkpoint: e.path });
      out.writeChart();
      const hint = e.path ? `; resume with: ${resumeCommand(file, e.path, opts)}` : "";
      io.err(`grove train: ${e.message}${hint}\n`);
      return 130;
    }
    if (e instanceof DivergedError || e instanceof CheckpointError) {
      if (e instanceof DivergedError) out.writeChart();
      return fail(e.message);
    }
    throw e;
  } finally {
    gpu?.close();
    out.close();
  }
}
