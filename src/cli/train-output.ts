/**
 * @file What `grove train` prints and logs while a session runs: the run printer shared with
 * exported programs (`src/session/run-printer.ts`: progress line or step lines, epoch lines, the
 * result, JSON events) on the CLI's streams, plus the `--log-json` file, gradient norms under
 * `--watch-grads`, and the chart of the run's epochs.
 */
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import type { EpochHistory, EpochReport, TrainResult } from "../session/reports.js";
import { gradStatus } from "../session/reports.js";
import { RunPrinter, type PrintedSpec } from "../session/run-printer.js";
import { trainingChart } from "./chart.js";
import type { Io } from "./io.js";
import { writeOutput } from "./output-path.js";

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

export class TrainOutput extends RunPrinter {
  private logFd: number | undefined;

  /**
   * `history`: the epochs before a resume, for the chart; each epoch reported is added to it, so
   * that an interrupted run's chart has them all.
   */
  constructor(
    io: Io,
    spec: PrintedSpec,
    private readonly chart: { readonly path: string; readonly title: string },
    private readonly history: EpochHistory[],
  ) {
    super(io, spec);
  }

  /** Opens the `--log-json` file; why it could not be, or undefined. */
  openLog(path: string): string | undefined {
    return writeOutput(path, () => {
      const fd = openSync(path, "w");
      this.logFd = fd;
      this.logTo((line) => writeSync(fd, line));
    });
  }

  /** Stops the progress line and closes the log. */
  close(): void {
    this.endProgress();
    if (this.logFd !== undefined) closeSync(this.logFd);
    this.logFd = undefined;
    this.logTo(() => {});
  }

  override epoch(e: EpochReport): void {
    super.epoch(e);
    this.history.push({
      epoch: e.epoch,
      loss: e.loss,
      ...(e.validation ? { validation: e.validation } : {}),
      ...(e.partial ? { partial: true } : {}),
    });
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
  override result(result: TrainResult, maxSteps: number | undefined): void {
    super.result(result, maxSteps);
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
