/**
 * @file What an exported Node program prints and logs while it trains, in `grove train`'s words
 * (`src/session/report-text.ts`): on a terminal the live progress line, elsewhere a step line at
 * most every two seconds; a line per epoch and the result; every event as a JSON line in the
 * `--log-json` file as it happens (the same events `grove train --log-json` writes).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { ProgressBar } from "../../session/progress.js";
import type { EpochReport, StepReport, TrainResult } from "../../session/reports.js";
import { epochLine, resultLines, RunningMeans, stepLine } from "../../session/report-text.js";
import type { RunSpec } from "../../session/run-spec.js";

export class ProgramOutput {
  private readonly bar = new ProgressBar(process.stdout);
  private readonly live = process.stdout.isTTY === true;
  private readonly running = new RunningMeans();
  private lastPrint = performance.now();
  private logFd: number | undefined;

  constructor(private readonly spec: RunSpec) {}

  say(text: string): void {
    this.bar.clear();
    process.stdout.write(text);
  }

  warn(text: string): void {
    this.bar.clear();
    process.stderr.write(text);
  }

  /** Opens the `--log-json` file; why it cannot be, or undefined. */
  openLog(path: string): string | undefined {
    try {
      this.logFd = openSync(path, "w");
      return undefined;
    } catch (e) {
      return `cannot write ${path} (${(e as { code?: string }).code ?? (e as Error).message})`;
    }
  }

  log(event: object): void {
    if (this.logFd !== undefined) writeSync(this.logFd, JSON.stringify(event) + "\n");
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

  result(result: TrainResult): void {
    this.bar.done();
    this.log({ event: "end", ...result, epochs: undefined });
    for (const line of resultLines(result, this.spec.maxSteps)) this.say(line);
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
}
