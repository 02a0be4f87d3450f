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
import { epochLine, resultLines, RunningMeans, stepLine } from "../session/report-text.js";

// The words of a run are shared with exported programs and pages (`src/session/report-text.ts`).
export { evalText, fmt } from "../session/report-text.js";

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

export class TrainOutput {
  private readonly bar: ProgressBar;
  private readonly live: boolean;
  private logFd: number | undefined;
  private lastPrint = performance.now();
  private readonly running = new RunningMeans();

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
    if (this.live) return this.bar.update(this.running.after(s, this.spec));
    const now = performance.now();
    if (now - this.lastPrint < 2000) return;
    this.lastPrint = now;
    this.say(stepLine(s, this.spec));
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
    this.say(epochLine(e, this.spec));
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
    for (const line of resultLines(result, maxSteps)) this.say(line);
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
