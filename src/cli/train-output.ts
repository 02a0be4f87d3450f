/**
 * @file What `grove train` prints and logs while a session runs: a line per epoch (with gradient
 * norms under `--watch-grads`), on a TTY a live progress line instead of per-step lines (elsewhere
 * a step line at most every two seconds), the result, every event as a JSON line in the
 * `--log-json` file as it happens, and the chart of the run's epochs.
 */
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import type { EpochHistory, EpochReport, StepReport, TrainResult } from "../session/reports.js";
import { gradStatus } from "../session/reports.js";
import type { RunSpec } from "../session/run-spec.js";
import { trainingChart } from "./chart.js";
import type { Io } from "./io.js";
import { writeOutput } from "./output-path.js";
import { ProgressBar } from "./progress.js";
import { emptyRecord } from "../diag/records.js";

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

/** The running means of the current epoch, for the progress line. */
interface Running {
  epoch: number;
  sum: number;
  steps: number;
  metrics: Record<string, number>;
}

export class TrainOutput {
  private readonly bar: ProgressBar;
  private readonly live: boolean;
  private logFd: number | undefined;
  private lastPrint = performance.now();
  private running: Running = { epoch: 0, sum: 0, steps: 0, metrics: emptyRecord() };

  /**
   * `history`: the epochs before a resume, for the chart; each epoch reported is added to it, so
   * that an interrupted run's chart has them all.
   */
  constructor(
    private readonly io: Io,
    private readonly spec: Pick<RunSpec, "epochs" | "stepsPerEpoch" | "trainExamples">,
    private readonly chart: { readonly path: string; readonly title: string },
    private readonly history: EpochHistory[],
  ) {
    // On a TTY a live progress line replaces the per-step lines; every other line clears it first.
    this.bar = new ProgressBar(io.progress ?? { write: () => {} });
    this.live = io.progress?.isTTY === true;
  }

  say(text: string): void {
    this.bar.clear();
    this.io.out(text);
  }

  warn(text: string): void {
    this.bar.clear();
    this.io.err(text);
  }

  /** Opens the `--log-json` file; why it could not be, or undefined. */
  openLog(path: string): string | undefined {
    return writeOutput(path, () => (this.logFd = openSync(path, "w")));
  }

  /** Writes one event to the log (written as it happens, so it survives a run that stops early). */
  log(e: object): void {
    if (this.logFd !== undefined) writeSync(this.logFd, JSON.stringify(e) + "\n");
  }

  /** Stops the progress line for good. */
  endProgress(): void {
    this.bar.done();
  }

  /** Stops the progress line and closes the log. */
  close(): void {
    this.bar.done();
    if (this.logFd !== undefined) closeSync(this.logFd);
    this.logFd = undefined;
  }

  step(s: StepReport): void {
    this.log({ event: "step", ...s });
    const { epochs, stepsPerEpoch } = this.spec;
    if (this.live) {
      let r = this.running;
      if (r.epoch !== s.epoch)
        r = this.running = { epoch: s.epoch, sum: 0, steps: 0, metrics: emptyRecord() };
      r.sum += s.loss;
      r.steps++;
      for (const [k, v] of Object.entries(s.metrics)) r.metrics[k] = (r.metrics[k] ?? 0) + v;
      const metrics = emptyRecord<number>();
      for (const [k, v] of Object.entries(r.metrics)) metrics[k] = v / r.steps;
      this.bar.update({
        epoch: s.epoch,
        epochs,
        step: s.step - (s.epoch - 1) * stepsPerEpoch,
        stepsPerEpoch,
        loss: r.sum / r.steps,
        metrics,
      });
      return;
    }
    const now = performance.now();
    if (now - this.lastPrint < 2000) return;
    this.lastPrint = now;
    this.say(
      `  step ${s.step}/${epochs * stepsPerEpoch}  loss ${fmt(s.loss)}` +
        Object.entries(s.metrics)
          .map(([k, v]) => `  ${k} ${fmt(v)}`)
          .join("") +
        `  lr ${s.lr.toExponential(2)}  ${s.seconds.toFixed(1)}s\n`,
    );
  }

  epoch(e: EpochReport): void {
    this.log({ event: "epoch", ...e });
    this.history.push({
      epoch: e.epoch,
      loss: e.loss,
      ...(e.validation ? { validation: e.validation } : {}),
      ...(e.partial ? { partial: true } : {}),
    });
    this.lastPrint = performance.now();
    const val = e.validation ? `  ${evalText("val_", e.validation)}` : "";
    const part = e.partial ? ` (${e.examples} of ${this.spec.trainExamples} examples)` : "";
    this.say(
      `epoch ${e.epoch}/${this.spec.epochs}${part}  loss ${fmt(e.loss)}${val}  ${e.stepsPerSecond.toFixed(1)} steps/s  ${e.seconds.toFixed(1)}s\n`,
    );
    if (e.gradNorms) this.gradNorms(e.gradNorms);
  }

  private gradNorms(norms: Readonly<Record<string, number>>): void {
    const names = Object.keys(norms);
    const width = Math.max(...names.map((n) => n.length));
    for (const name of names) {
      const norm = norms[name]!;
      const status = gradStatus(norm);
      this.say(
        `  grad ${name.padEnd(width)}  ${norm.toExponential(2)}${status ? `  ${status}` : ""}\n`,
      );
    }
  }

  /** The end of a run: its result, the test split, the checkpoint and the chart. */
  result(result: TrainResult, maxSteps: number | undefined): void {
    this.bar.done();
    this.log({ event: "end", ...result, epochs: undefined });
    if (result.stoppedEarly)
      this.say(`stopped at step ${result.steps} (--max-steps ${maxSteps})\n`);
    this.say(
      `trained ${result.steps} steps (${result.examplesSeen} examples) in ${result.seconds.toFixed(1)}s` +
        `, ${(result.steps / result.seconds).toFixed(1)} steps/s overall\n`,
    );
    if (result.test)
      this.say(`test (${result.test.examples} examples): ${evalText("", result.test)}\n`);
    if (result.checkpoint) this.say(`checkpoint saved to ${result.checkpoint.path}\n`);
    this.writeChart(result.history);
  }

  /** Writes the chart of `epochs` (of the epochs reported when absent) and says where. */
  writeChart(epochs: readonly EpochHistory[] = this.history): void {
    if (epochs.length === 0) return;
    const { path, title } = this.chart;
    const failed = writeOutput(path, () => writeFileSync(path, historyChart(title, epochs)));
    if (failed) this.warn(`grove train: ${failed}\n`);
    else this.say(`chart saved to ${path}\n`);
  }
}
