/**
 * @file `grove train FILE`: trains the file's first train section on the GPU with the command
 * line's overrides, printing a line per epoch (and per step at most every two seconds), the test
 * split's loss and metrics at the end, and optionally every event as JSON lines. Checkpoints go to
 * `checkpoints/<model>.safetensors` next to the file (or `--checkpoint`); `--resume` continues a
 * saved run, `--init` starts from saved parameters; the first Ctrl-C saves and exits 130, the
 * second exits at once.
 */
import { dirname, join } from "node:path";
import { writeFileSync } from "node:fs";
import type { Plan } from "../codegen/plan.js";
import type { Io } from "./io.js";
import { loadChecked, planOf } from "./load.js";

export interface TrainCliOptions {
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
}

/** Where `grove train` saves checkpoints by default: `checkpoints/<model>.safetensors` by the file. */
export function defaultCheckpoint(file: string, model: string): string {
  return join(dirname(file), "checkpoints", `${model}.safetensors`);
}

/** Why `data` does not fit the inputs of `plan`, or undefined when it does. */
export function dataMisfit(
  plan: Plan,
  data: { readonly fields: ReadonlyMap<string, { readonly perExample: number }> },
): string | undefined {
  for (const input of plan.inputs) {
    const field = data.fields.get(input.name);
    const per = input.shape.slice(1).reduce((p, d) => p * d, 1);
    if (field && field.perExample !== per)
      return (
        `the data's \`${input.name}\` has ${field.perExample} values per example, ` +
        `but the model input \`${input.name}\` takes ${per} ([${input.shape.slice(1).join(", ")}] after the batch)`
      );
  }
  return undefined;
}

export const fmt = (x: number) =>
  Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2);

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
  const checked = loadChecked(file, io);
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
  const { DataError, loadData, UnsupportedDataError } = await import("../runtime/data/index.js");
  const { acquireDevice, NoAdapterError } = await import("../runtime/index.js");
  const { CheckpointError, readCheckpoint } = await import("../runtime/checkpoint.js");
  const { DivergedError, InterruptedError, gradStatus, train, trainingPosition } =
    await import("../runtime/train.js");
  let resume;
  let at;
  let init;
  try {
    if (opts.resume !== undefined) {
      resume = { path: opts.resume, checkpoint: readCheckpoint(opts.resume) };
      at = trainingPosition(resume.checkpoint, opts.resume);
    }
    if (opts.init !== undefined) init = { path: opts.init, checkpoint: readCheckpoint(opts.init) };
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
  const plan = planOf(checked, section, { fuse: opts.fuse, batch }, io);
  if (!plan) return 1;
  const misfit = dataMisfit(plan, data.train);
  if (misfit) {
    io.err(`grove train: ${misfit}\n`);
    return 1;
  }
  let gpu;
  try {
    gpu = await acquireDevice();
  } catch (e) {
    if (e instanceof NoAdapterError) {
      io.err(`grove train: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const epochs = opts.epochs ?? at?.epochs ?? section.epochs;
  const checkpoint = opts.checkpoint ?? opts.resume ?? defaultCheckpoint(file, section.model);
  const stepsPerEpoch = Math.ceil(data.train.count / batch);
  const events: unknown[] = [];
  const log = (e: object) => {
    if (opts.logJson) events.push(e);
  };
  const parts = [`${data.train.count} train`];
  if (data.validation) parts.push(`${data.validation.count} validation`);
  if (data.test) parts.push(`${data.test.count} test`);
  const remainder = data.train.count % batch;
  io.out(
    `training ${section.model} on ${section.data.name} (${parts.join(", ")} examples): ` +
      `${epochs} epochs of ${stepsPerEpoch} steps, batch ${batch}` +
      (remainder ? ` (the last batch of each epoch has ${remainder})` : "") +
      `, seed ${seed}\n`,
  );
  if (at && at.epoch <= epochs)
    io.out(
      `resuming from ${opts.resume} at step ${at.step} (epoch ${at.epoch}, batch ${at.nextBatch + 1} of ${stepsPerEpoch})\n`,
    );
  if (at && at.epoch > epochs)
    io.out(
      `the checkpoint has finished all ${epochs} epochs; nothing to train (--epochs trains longer)\n`,
    );
  if (init) io.out(`starting from the parameters in ${opts.init}\n`);
  let lastPrint = performance.now();
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      io.err("grove train: interrupted again; exiting without saving\n");
      process.exit(130);
    }
    io.err("\nstopping after this step to save a checkpoint (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    const result = await train({
      device: gpu.device,
      train: section,
      plan,
      data,
      batch,
      epochs,
      seed,
      fuse: opts.fuse,
      ...(opts.lr !== undefined ? { lr: opts.lr } : {}),
      sources: checked.sources.texts(),
      checkpoint,
      sourceFile: file,
      ...(resume ? { resume } : {}),
      ...(init ? { init } : {}),
      signal: controller.signal,
      watchGrads: opts.watchGrads ?? false,
      onWarning: (m) => io.err(`warning: ${m}\n`),
      onCheckpoint: (c) => log({ event: "checkpoint", ...c }),
      onStep: (s) => {
        log({ event: "step", ...s });
        const now = performance.now();
        if (now - lastPrint < 2000) return;
        lastPrint = now;
        io.out(
          `  step ${s.step}/${epochs * stepsPerEpoch}  loss ${fmt(s.loss)}  lr ${s.lr.toExponential(2)}  ${s.seconds.toFixed(1)}s\n`,
        );
      },
      onEpoch: (e) => {
        log({ event: "epoch", ...e });
        lastPrint = performance.now();
        const val = e.validation ? `  ${evalText("val_", e.validation)}` : "";
        io.out(
          `epoch ${e.epoch}/${epochs}  loss ${fmt(e.loss)}${val}  ${e.stepsPerSecond.toFixed(1)} steps/s  ${e.seconds.toFixed(1)}s\n`,
        );
        if (e.gradNorms) {
          const names = Object.keys(e.gradNorms);
          const width = Math.max(...names.map((n) => n.length));
          for (const name of names) {
            const norm = e.gradNorms[name]!;
            const status = gradStatus(norm);
            io.out(
              `  grad ${name.padEnd(width)}  ${norm.toExponential(2)}${status ? `  ${status}` : ""}\n`,
            );
          }
        }
      },
    });
    log({ event: "end", ...result, epochs: undefined });
    io.out(
      `trained ${result.steps} steps (${result.examplesSeen} examples) in ${result.seconds.toFixed(1)}s` +
        `, ${(result.steps / result.seconds).toFixed(1)} steps/s overall\n`,
    );
    if (result.test)
      io.out(`test (${result.test.examples} examples): ${evalText("", result.test)}\n`);
    if (result.checkpoint) io.out(`checkpoint saved to ${result.checkpoint.path}\n`);
    return 0;
  } catch (e) {
    if (e instanceof InterruptedError) {
      log({ event: "interrupted", step: e.step, checkpoint: e.path });
      io.err(`grove train: ${e.message}; resume with: grove train ${file} --resume ${e.path}\n`);
      return 130;
    }
    if (e instanceof DivergedError || e instanceof CheckpointError) {
      io.err(`grove train: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    process.off("SIGINT", onSigint);
    gpu.close();
    if (opts.logJson)
      writeFileSync(opts.logJson, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  }
}
