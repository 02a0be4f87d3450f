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
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import type { CompiledPlan } from "../codegen/compile.js";
import { idBound } from "../ir/id-bound.js";
import { MAX_COUNT } from "../runtime/checkpoint-meta.js";
import type { Dataset } from "../runtime/data/types.js";
import type { EpochHistory } from "../runtime/train.js";
import { trainingChart } from "./chart.js";
import type { Io } from "./io.js";
import { compiledOf, loadChecked, openBackend } from "./load.js";
import { outputFileProblem, writeOutput } from "./output-path.js";
import { ProgressBar } from "./progress.js";

export type BackendName = "gpu" | "cpu";

export interface TrainCliOptions {
  /** Train settings from `--set`, each `key = value`. */
  readonly set?: readonly string[];
  /** The folder imports may reach (`--import-root`); default: the file's own folder. */
  readonly importRoot?: string;
  readonly epochs?: number;
  readonly batch?: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly fuse: boolean;
  readonly logJson?: string;
  readonly checkpoint?: string;
  readonly resume?: string;
  readonly init?: string;
  readonly watchGrads?: boolean;
  /** `gpu` (default) or `cpu`: the reference interpreter, no device acquired. */
  readonly backend?: BackendName;
  /** Stop after this many training steps in total (smoke tests). */
  readonly maxSteps?: number;
  /** Evaluate on the first N examples of the validation and test splits. */
  readonly evalLimit?: number;
}

/** Where `grove train` writes the chart: the checkpoint's path with `.svg` for `.safetensors`. */
export function chartPath(checkpoint: string): string {
  return checkpoint.replace(/\.safetensors$/, "") + ".svg";
}

/** The chart of a run's epochs: train loss, validation loss and `val_` metrics per epoch. */
export function historyChart(title: string, history: readonly EpochHistory[]): string {
  const names = [...new Set(history.flatMap((e) => Object.keys(e.validation?.metrics ?? {})))];
  const metrics: Record<string, number[]> = {};
  for (const name of names)
    metrics[`val_${name}`] = history.map((e) => e.validation?.metrics[name] ?? NaN);
  return trainingChart({
    title,
    trainLoss: history.map((e) => e.loss),
    validationLoss: history.map((e) => e.validation?.loss ?? NaN),
    metrics,
  });
}

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
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  const args = ["grove", "train", file, "--resume", path];
  if (opts.epochs !== undefined) args.push("--epochs", String(opts.epochs));
  if (opts.lr !== undefined) args.push("--lr", String(opts.lr));
  if (!opts.fuse) args.push("--no-fuse");
  if (opts.backend === "cpu") args.push("--backend", "cpu");
  for (const s of opts.set ?? []) args.push("--set", s);
  return args.map(quote).join(" ");
}

/** Four decimals, or three significant digits for magnitudes below 1e-3 or from 1e6. */
export const fmt = (x: number) =>
  x === 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6) ? x.toFixed(4) : x.toExponential(2);

export function evalText(
  prefix: string,
  r: { loss: number; metrics: Readonly<Record<string, number>> },
): string {
  const metrics = Object.entries(r.metrics).map(([k, v]) => `  ${prefix}${k} ${fmt(v)}`);
  return `${prefix}loss ${fmt(r.loss)}${metrics.join("")}`;
}

/**
 * Runs `grove train`. While it trains, the first SIGINT stops after the current step with a
 * checkpoint (exit 130) and the second exits the process at once.
 */
export async function trainCommand(file: string, opts: TrainCliOptions, io: Io): Promise<number> {
  if (opts.resume !== undefined && opts.init !== undefined) {
    io.err(
      "grove train: --resume and --init cannot be combined (--resume continues a run, --init starts a new one)\n",
    );
    return 1;
  }
  const checked = loadChecked(file, io, "rich", {
    settings: opts.set ?? [],
    importRoot: opts.importRoot,
  });
  if (!checked) return 1;
  const section = checked.program.trains[0];
  if (!section) {
    io.err(`grove train: ${file} has no train section\n`);
    return 1;
  }
  if (checked.program.trains.length > 1)
    io.err(
      `grove train: ${file} has several train sections; training the first (${section.model})\n`,
    );
  const checkpoint = opts.checkpoint ?? opts.resume ?? defaultCheckpoint(file, section.model);
  const chart = chartPath(checkpoint);
  const unwritable = outputsProblem(checkpoint, chart, opts.logJson);
  if (unwritable) {
    io.err(`grove train: ${unwritable}\n`);
    return 1;
  }
  const { DataError, loadData, UnsupportedDataError } = await import("../runtime/data/index.js");
  const { checkFinite, CheckpointError, readCheckpoint } = await import("../runtime/checkpoint.js");
  const { decodeTrainingMeta, groveMeta } = await import("../runtime/checkpoint-meta.js");
  const { DivergedError, InterruptedError, gradStatus, train } =
    await import("../runtime/train.js");
  const cpu = opts.backend === "cpu";
  let resume;
  let at;
  let init;
  let history: EpochHistory[] = [];
  try {
    if (opts.resume !== undefined) {
      resume = { path: opts.resume, checkpoint: readCheckpoint(opts.resume) };
      at = decodeTrainingMeta(resume.checkpoint, opts.resume);
      checkFinite(resume.checkpoint, opts.resume);
      const before = at.epoch;
      history = at.history.filter((e) => e.epoch < before);
    }
    if (opts.init !== undefined) {
      init = { path: opts.init, checkpoint: readCheckpoint(opts.init) };
      groveMeta(init.checkpoint, opts.init);
      checkFinite(init.checkpoint, opts.init);
    }
  } catch (e) {
    if (e instanceof CheckpointError) {
      io.err(`grove train: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const seed = opts.seed ?? at?.seed ?? section.seed;
  let data;
  try {
    data = loadData(section.data, seed, dirname(file));
  } catch (e) {
    if (e instanceof UnsupportedDataError || e instanceof DataError) {
      io.err(`grove train: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const batch = Math.min(opts.batch ?? at?.batch ?? section.batch, data.train.count);
  // A resumed run must see the same batches in the same order as the one it continues.
  if (at && (batch !== at.batch || seed !== at.seed)) {
    const [what, saved, now] =
      batch !== at.batch ? ["batch", at.batch, batch] : ["seed", at.seed, seed];
    io.err(
      `grove train: ${opts.resume}: was saved with ${what} ${saved}; resume with the same ${what}, not ${now}\n`,
    );
    return 1;
  }
  const epochs = opts.epochs ?? at?.epochs ?? section.epochs;
  const stepsPerEpoch = Math.ceil(data.train.count / batch);
  // The step is an i32 on the GPU and in checkpoints.
  if (epochs * stepsPerEpoch > MAX_COUNT) {
    io.err(
      `grove train: ${epochs} epochs of ${stepsPerEpoch} steps are more than the ${MAX_COUNT} steps a run may take\n`,
    );
    return 1;
  }
  const backend = await openBackend(opts.backend, "train", io);
  if (!backend) return 1;
  const { gpu, options } = backend;
  const compiled = compiledOf(checked, section, { fuse: opts.fuse, batch, device: options }, io);
  const splits = { train: data.train, validation: data.validation, test: data.test };
  const misfit =
    compiled &&
    Object.entries(splits)
      .map(([name, split]) => split && dataMisfit(compiled, split, name))
      .find((m) => m !== undefined);
  if (!compiled || misfit) {
    if (misfit) io.err(`grove train: ${misfit}\n`);
    gpu?.close();
    return 1;
  }
  // Every event is written as it happens, so the log survives a run that stops early.
  let logFd: number | undefined;
  const log = (e: object) => {
    if (logFd !== undefined) writeSync(logFd, JSON.stringify(e) + "\n");
  };
  // On a TTY a live progress line replaces the per-step lines; every other line clears it first.
  const bar = new ProgressBar(io.progress ?? { write: () => {} });
  const live = io.progress?.isTTY === true;
  const say = (text: string) => {
    bar.clear();
    io.out(text);
  };
  const warn = (text: string) => {
    bar.clear();
    io.err(text);
  };
  const parts = [`${data.train.count} train`];
  if (data.validation) parts.push(`${data.validation.count} validation`);
  if (data.test) parts.push(`${data.test.count} test`);
  const remainder = data.train.count % batch;
  const evaluated =
    opts.evalLimit !== undefined &&
    [data.validation, data.test].some((d) => d && d.count > opts.evalLimit!)
      ? `; evaluating on the first ${opts.evalLimit} examples of each split`
      : "";
  say(
    `training ${section.model} on ${section.data.name} (${parts.join(", ")} examples): ` +
      `${epochs} epochs of ${stepsPerEpoch} steps, batch ${batch}` +
      (remainder ? ` (the last batch of each epoch has ${remainder})` : "") +
      `, seed ${seed}` +
      (cpu ? ", on the CPU" : "") +
      (opts.maxSteps !== undefined ? `, at most ${opts.maxSteps} steps in total` : "") +
      `${evaluated}\n`,
  );
  if (at && at.epoch <= epochs)
    say(
      `resuming from ${opts.resume} at step ${at.step} (epoch ${at.epoch}, batch ${at.nextBatch + 1} of ${stepsPerEpoch})\n`,
    );
  if (at && at.epoch > epochs)
    say(
      `the checkpoint has finished all ${epochs} epochs; nothing to train (--epochs trains longer)\n`,
    );
  if (init) say(`starting from the parameters in ${opts.init}\n`);
  /** Writes the chart of the epochs so far (none: nothing is written) and says where. */
  const writeChart = (epochsSoFar: readonly EpochHistory[]) => {
    if (epochsSoFar.length === 0) return;
    const failed = writeOutput(chart, () =>
      writeFileSync(chart, historyChart(`${section.model} (${file})`, epochsSoFar)),
    );
    if (failed) warn(`grove train: ${failed}\n`);
    else say(`chart saved to ${chart}\n`);
  };
  let lastPrint = performance.now();
  let running = { epoch: 0, sum: 0, steps: 0, metrics: {} as Record<string, number> };
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      warn("grove train: interrupted again; exiting without saving\n");
      process.exit(130);
    }
    warn("\nstopping after this step to save a checkpoint (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  if (opts.logJson !== undefined) {
    const logPath = opts.logJson;
    const failed = writeOutput(logPath, () => (logFd = openSync(logPath, "w")));
    if (failed) {
      io.err(`grove train: ${failed}\n`);
      gpu?.close();
      return 1;
    }
  }
  process.on("SIGINT", onSigint);
  try {
    const result = await train({
      device: gpu ? gpu.device : "cpu",
      train: section,
      plan: compiled,
      data,
      batch,
      epochs,
      seed,
      fuse: opts.fuse,
      ...(opts.lr !== undefined ? { lr: opts.lr } : {}),
      ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps } : {}),
      ...(opts.evalLimit !== undefined ? { evalLimit: opts.evalLimit } : {}),
      sources: checked.sources.texts(),
      checkpoint,
      sourceFile: file,
      ...(resume ? { resume } : {}),
      ...(init ? { init } : {}),
      signal: controller.signal,
      watchGrads: opts.watchGrads ?? false,
      onWarning: (m) => warn(`warning: ${m}\n`),
      onCheckpoint: (c) => log({ event: "checkpoint", ...c }),
      onStep: (s) => {
        log({ event: "step", ...s });
        if (live) {
          if (running.epoch !== s.epoch)
            running = { epoch: s.epoch, sum: 0, steps: 0, metrics: {} };
          running.sum += s.loss;
          running.steps++;
          for (const [k, v] of Object.entries(s.metrics))
            running.metrics[k] = (running.metrics[k] ?? 0) + v;
          const metrics: Record<string, number> = {};
          for (const [k, v] of Object.entries(running.metrics)) metrics[k] = v / running.steps;
          bar.update({
            epoch: s.epoch,
            epochs,
            step: s.step - (s.epoch - 1) * stepsPerEpoch,
            stepsPerEpoch,
            loss: running.sum / running.steps,
            metrics,
          });
          return;
        }
        const now = performance.now();
        if (now - lastPrint < 2000) return;
        lastPrint = now;
        say(
          `  step ${s.step}/${epochs * stepsPerEpoch}  loss ${fmt(s.loss)}` +
            Object.entries(s.metrics)
              .map(([k, v]) => `  ${k} ${fmt(v)}`)
              .join("") +
            `  lr ${s.lr.toExponential(2)}  ${s.seconds.toFixed(1)}s\n`,
        );
      },
      onEpoch: (e) => {
        log({ event: "epoch", ...e });
        history.push({
          epoch: e.epoch,
          loss: e.loss,
          ...(e.validation ? { validation: e.validation } : {}),
          ...(e.partial ? { partial: true } : {}),
        });
        lastPrint = performance.now();
        const val = e.validation ? `  ${evalText("val_", e.validation)}` : "";
        const part = e.partial ? ` (${e.examples} of ${data.train.count} examples)` : "";
        say(
          `epoch ${e.epoch}/${epochs}${part}  loss ${fmt(e.loss)}${val}  ${e.stepsPerSecond.toFixed(1)} steps/s  ${e.seconds.toFixed(1)}s\n`,
        );
        if (e.gradNorms) {
          const names = Object.keys(e.gradNorms);
          const width = Math.max(...names.map((n) => n.length));
          for (const name of names) {
            const norm = e.gradNorms[name]!;
            const status = gradStatus(norm);
            say(
              `  grad ${name.padEnd(width)}  ${norm.toExponential(2)}${status ? `  ${status}` : ""}\n`,
            );
          }
        }
      },
    });
    bar.done();
    log({ event: "end", ...result, epochs: undefined });
    if (result.stoppedEarly)
      say(`stopped at step ${result.steps} (--max-steps ${opts.maxSteps})\n`);
    say(
      `trained ${result.steps} steps (${result.examplesSeen} examples) in ${result.seconds.toFixed(1)}s` +
        `, ${(result.steps / result.seconds).toFixed(1)} steps/s overall\n`,
    );
    if (result.test) say(`test (${result.test.examples} examples): ${evalText("", result.test)}\n`);
    if (result.checkpoint) say(`checkpoint saved to ${result.checkpoint.path}\n`);
    writeChart(result.history);
    return 0;
  } catch (e) {
    bar.done();
    if (e instanceof InterruptedError) {
      log({ event: "interrupted", step: e.step, checkpoint: e.path });
      writeChart(history);
      const hint = e.path ? `; resume with: ${resumeCommand(file, e.path, opts)}` : "";
      io.err(`grove train: ${e.message}${hint}\n`);
      return 130;
    }
    if (e instanceof DivergedError || e instanceof CheckpointError) {
      if (e instanceof DivergedError) writeChart(history);
      io.err(`grove train: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    process.off("SIGINT", onSigint);
    gpu?.close();
    if (logFd !== undefined) closeSync(logFd);
  }
}
