/**
 * @file The words of a training run, one function per line: the introduction, a step, an epoch,
 * the result, and the running means the progress line shows. `grove train` prints them
 * (`src/cli/train-output.ts`), and so do exported programs and pages, so a user recognises a run
 * wherever it trains. Pure text, no `node:` module.
 */
import { emptyRecord } from "../diag/records.js";
import type { ProgressUpdate } from "./progress.js";
import type { EpochReport, StepReport, TrainResult } from "./reports.js";
import type { RunSpec } from "./run-spec.js";

/** Four decimals, or three significant digits for magnitudes below 1e-3 or from 1e6. */
export const fmt = (x: number) =>
  x === 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6) ? x.toFixed(4) : x.toExponential(2);

/** `loss 0.1234  accuracy 0.9500`, each name after `prefix` (`val_`). */
export function evalText(
  prefix: string,
  r: { loss: number; metrics: Readonly<Record<string, number>> },
): string {
  const metrics = Object.entries(r.metrics).map(([k, v]) => `  ${prefix}${k} ${fmt(v)}`);
  return `${prefix}loss ${fmt(r.loss)}${metrics.join("")}`;
}

/** What the first line of a run says. */
export interface IntroFacts {
  readonly model: string;
  /** The data source's name (`mnist`, `csv`). */
  readonly source: string;
  readonly counts: { readonly train: number; readonly validation?: number; readonly test?: number };
  readonly spec: Pick<RunSpec, "epochs" | "stepsPerEpoch" | "batch" | "seed">;
  /** `, on the CPU` and the like, after the seed. */
  readonly where?: string;
  readonly maxSteps?: number;
  /** Evaluation is on the first this many examples of each split. */
  readonly evalLimit?: number;
}

/** The first line of a run: what trains on what, how long. */
export function introLine(f: IntroFacts): string {
  const { counts, spec } = f;
  const parts = [`${counts.train} train`];
  if (counts.validation !== undefined) parts.push(`${counts.validation} validation`);
  if (counts.test !== undefined) parts.push(`${counts.test} test`);
  const remainder = counts.train % spec.batch;
  const limit = f.evalLimit;
  const evaluated =
    limit !== undefined &&
    [counts.validation, counts.test].some((c) => c !== undefined && c > limit)
      ? `; evaluating on the first ${limit} examples of each split`
      : "";
  return (
    `training ${f.model} on ${f.source} (${parts.join(", ")} examples): ` +
    `${spec.epochs} epochs of ${spec.stepsPerEpoch} steps, batch ${spec.batch}` +
    (remainder ? ` (the last batch of each epoch has ${remainder})` : "") +
    `, seed ${spec.seed}` +
    (f.where ?? "") +
    (f.maxSteps !== undefined ? `, at most ${f.maxSteps} steps in total` : "") +
    `${evaluated}\n`
  );
}

/**
 * Where a resumed run starts (`path` is the checkpoint), or that it has nothing left to train
 * (`flag` lengthens it: `--epochs`).
 */
export function resumeLine(
  path: string,
  at: { readonly step: number; readonly epoch: number; readonly nextBatch: number },
  spec: Pick<RunSpec, "epochs" | "stepsPerEpoch">,
  flag = "--epochs",
): string {
  if (at.epoch <= spec.epochs)
    return `resuming from ${path} at step ${at.step} (epoch ${at.epoch}, batch ${at.nextBatch + 1} of ${spec.stepsPerEpoch})\n`;
  return `the checkpoint has finished all ${spec.epochs} epochs; nothing to train (${flag} trains longer)\n`;
}

/** A step's line, for output that is not a terminal (at most one every two seconds). */
export function stepLine(s: StepReport, spec: Pick<RunSpec, "epochs" | "stepsPerEpoch">): string {
  return (
    `  step ${s.step}/${spec.epochs * spec.stepsPerEpoch}  loss ${fmt(s.loss)}` +
    Object.entries(s.metrics)
      .map(([k, v]) => `  ${k} ${fmt(v)}`)
      .join("") +
    `  lr ${s.lr.toExponential(2)}  ${s.seconds.toFixed(1)}s\n`
  );
}

/** An epoch's line: its loss, validation, speed and time. */
export function epochLine(e: EpochReport, spec: Pick<RunSpec, "epochs" | "trainExamples">): string {
  const val = e.validation ? `  ${evalText("val_", e.validation)}` : "";
  const part = e.partial ? ` (${e.examples} of ${spec.trainExamples} examples)` : "";
  return `epoch ${e.epoch}/${spec.epochs}${part}  loss ${fmt(e.loss)}${val}  ${e.stepsPerSecond.toFixed(1)} steps/s  ${e.seconds.toFixed(1)}s\n`;
}

/** The lines at the end of a run: where it stopped, how fast, the test split, the checkpoint. */
export function resultLines(result: TrainResult, maxSteps: number | undefined): string[] {
  const lines: string[] = [];
  if (result.stoppedEarly)
    lines.push(`stopped at step ${result.steps} (--max-steps ${maxSteps})\n`);
  lines.push(
    `trained ${result.steps} steps (${result.examplesSeen} examples) in ${result.seconds.toFixed(1)}s` +
      `, ${(result.steps / result.seconds).toFixed(1)} steps/s overall\n`,
  );
  if (result.test)
    lines.push(`test (${result.test.examples} examples): ${evalText("", result.test)}\n`);
  if (result.checkpoint) lines.push(`checkpoint saved to ${result.checkpoint.path}\n`);
  return lines;
}

/** The running means of the current epoch, which the progress line shows after each step. */
export class RunningMeans {
  private epoch = 0;
  private sum = 0;
  private steps = 0;
  private metrics = emptyRecord<number>();

  /** The progress line's state after step `s`. */
  after(s: StepReport, spec: Pick<RunSpec, "epochs" | "stepsPerEpoch">): ProgressUpdate {
    if (this.epoch !== s.epoch) {
      this.epoch = s.epoch;
      this.sum = 0;
      this.steps = 0;
      this.metrics = emptyRecord<number>();
    }
    this.sum += s.loss;
    this.steps++;
    for (const [k, v] of Object.entries(s.metrics)) this.metrics[k] = (this.metrics[k] ?? 0) + v;
    const metrics = emptyRecord<number>();
    for (const [k, v] of Object.entries(this.metrics)) metrics[k] = v / this.steps;
    return {
      epoch: s.epoch,
      epochs: spec.epochs,
      step: s.step - (s.epoch - 1) * spec.stepsPerEpoch,
      stepsPerEpoch: spec.stepsPerEpoch,
      loss: this.sum / this.steps,
      metrics,
    };
  }
}
