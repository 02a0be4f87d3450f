/**
 * @file What an exported Node program prints and logs while it trains: `grove train`'s printer
 * (`src/session/run-printer.ts`) on the process's streams, with the `--log-json` file.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { TrainResult } from "../../session/reports.js";
import { RunPrinter } from "../../session/run-printer.js";
import type { RunSpec } from "../../session/run-spec.js";

export class ProgramOutput extends RunPrinter {
  private logFd: number | undefined;

  constructor(private readonly run: RunSpec) {
    super(
      {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
        progress: process.stdout,
      },
      run,
    );
  }

  /** Opens the `--log-json` file; why it cannot be, or undefined. */
  openLog(path: string): string | undefined {
    try {
      const fd = openSync(path, "w");
      this.logFd = fd;
      this.logTo((line) => writeSync(fd, line));
      return undefined;
    } catch (e) {
      return `cannot write ${path} (${(e as { code?: string }).code ?? (e as Error).message})`;
    }
  }

  /** The end of a run: its result and the test split. */
  override result(result: TrainResult): void {
    super.result(result, this.run.maxSteps);
  }

  /** Stops the progress line and closes the log. */
  close(): void {
    this.endProgress();
    if (this.logFd !== undefined) closeSync(this.logFd);
    this.logFd = undefined;
    this.logTo(() => {});
  }
}
