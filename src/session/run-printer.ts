/**
 * @file How a training run shows itself as it goes, in `grove train`'s words (`report-text.ts`):
 * on a terminal a live progress line, elsewhere a step line at most every two seconds; a line per
 * epoch and the result; every event as a JSON line as it happens. `grove train` and exported Node
 * programs extend it with their streams and their log file; nothing here touches a file.
 */
import { ProgressBar, type ProgressStream } from "./progress.js";
import { epochLine, resultLines, RunningMeans, stepLine } from "./report-text.js";
import type { EpochReport, StepReport, TrainResult } from "./reports.js";
import type { RunSpec } from "./run-spec.js";

/** Where a run prints. */
export interface RunSink {
  out(text: string): void;
  err(text: string): void;
  /** The stream `out` writes to: the live progress line is drawn only when it is a TTY. */
  readonly progress?: ProgressStream;
}

export type PrintedSpec = Pick<RunSpec, "epochs" | "stepsPerEpoch" | "trainExamples">;

export class RunPrinter {
  private readonly bar: ProgressBar;
  private readonly live: boolean;
  private readonly running = new RunningMeans();
  private lastPrint = performance.now();
  /** Writes one line of the event log, once there is one (`logTo`). */
  private logLine: ((line: string) => void) | undefined;

  constructor(
    private readonly sink: RunSink,
    private readonly spec: PrintedSpec,
  ) {
    this.bar = new ProgressBar(sink.progress ?? { write: () => {} });
    this.live = sink.progress?.isTTY === true;
  }

  /** Prints a line, clearing the progress line first. */
  say(text: string): void {
    this.bar.clear();
    this.sink.out(text);
  }

  warn(text: string): void {
    this.bar.clear();
    this.sink.err(text);
  }

  /** Sends every later event to `write` as one JSON line (the `--log-json` file). */
  protected logTo(write: (line: string) => void): void {
    this.logLine = write;
  }

  /** Logs one event as it happens, so the log survives a run that stops early. */
  log(event: object): void {
    this.logLine?.(JSON.stringify(event) + "\n");
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
    this.lastPrint = performance.now();
    this.say(epochLine(e, this.spec));
  }

  /** The end of a run: its result and the test split. */
  result(result: TrainResult, maxSteps: number | undefined): void {
    this.bar.done();
    this.log({ event: "end", ...result, epochs: undefined });
    for (const line of resultLines(result, maxSteps)) this.say(line);
  }

  /** Stops the progress line for good. */
  endProgress(): void {
    this.bar.done();
  }
}
