/**
 * @file Where the CLI writes: process streams normally, buffers in tests.
 */
import type { ProgressStream } from "./progress.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /**
   * The stream `out` writes to, for a live progress line (`grove train` draws one only when it is
   * a TTY). Absent: no progress line.
   */
  readonly progress?: ProgressStream;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progress: process.stdout,
};
