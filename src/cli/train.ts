/**
 * @file `grove train FILE`: trains the file's first train section on the GPU with the command
 * line's overrides, printing a line per epoch (and per step at most every two seconds), the test
 * split's loss and metrics at the end, and optionally every event as JSON lines.
 */
import { dirname } from "node:path";
import { writeFileSync } from "node:fs";
import type { Io } from "./io.js";
import { loadChecked, planOf } from "./load.js";

export interface TrainCliOptions {
  readonly epochs?: number;
  readonly batch?: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly fuse: boolean;
  readonly logJson?: string;
}

const fmt = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2));

function evalText(prefix: string, r: { loss: number; metrics: Readonly<Record<string, number>> }) {
  const metrics = Object.entries(r.metrics).map(([k, v]) => `  ${prefix}${k} ${fmt(v)}`);
  return `${prefix}loss ${fmt(r.loss)}${metrics.join("")}`;
}

export async function trainCommand(file: string, opts: TrainCliOptions, io: Io): Promise<number> {
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
  const { DivergedError, train } = await import("../runtime/train.js");
  const seed = opts.seed ?? section.seed;
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
  const batch = Math.min(opts.batch ?? section.batch, data.train.count);
  const plan = planOf(checked, section, { fuse: opts.fuse, batch }, io);
  if (!plan) return 1;
  for (const input of plan.inputs) {
    const field = data.train.fields.get(input.name);
    const per = input.shape.slice(1).reduce((p, d) => p * d, 1);
    if (field && field.perExample !== per) {
      io.err(
        `grove train: the data's \`${input.name}\` has ${field.perExample} values per example, ` +
          `but the model input \`${input.name}\` takes ${per} ([${input.shape.slice(1).join(", ")}] after the batch)\n`,
      );
      return 1;
    }
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
  const epochs = opts.epochs ?? section.epochs;
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
  let lastPrint = performance.now();
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
      onWarning: (m) => io.err(`warning: ${m}\n`),
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
      },
    });
    log({ event: "end", ...result, epochs: undefined });
    io.out(
      `trained ${result.steps} steps (${result.examplesSeen} examples) in ${result.seconds.toFixed(1)}s` +
        `, ${(result.steps / result.seconds).toFixed(1)} steps/s overall\n`,
    );
    if (result.test)
      io.out(`test (${result.test.examples} examples): ${evalText("", result.test)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof DivergedError) {
      io.err(`grove train: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    gpu.close();
    if (opts.logJson)
      writeFileSync(opts.logJson, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  }
}
