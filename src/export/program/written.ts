/**
 * @file What an export wrote, for the command's report: its files, and the bytes of its code
 * (the bundled runtime and the program with its plans), as written and gzip-compressed (what a
 * browser downloads from a server that compresses, as `grove serve` does).
 */
import { gzipSync } from "node:zlib";
import type { ExportedProgram } from "./program.js";

export interface WrittenProgram {
  readonly files: readonly string[];
  /** Bytes of the bundled runtime, of the program (with its plans), and of the plans alone. */
  readonly runtimeBytes: number;
  readonly programBytes: number;
  readonly planBytes: number;
  /** Bytes of the runtime and the program, each gzip-compressed at the default level. */
  readonly gzipBytes: number;
}

/** The report of an export that wrote `files`, with `runtime` and `programText` as its code. */
export function written(
  files: readonly string[],
  runtime: string,
  programText: string,
  program: ExportedProgram,
): WrittenProgram {
  return {
    files,
    runtimeBytes: Buffer.byteLength(runtime),
    programBytes: Buffer.byteLength(programText),
    planBytes: Buffer.byteLength(JSON.stringify(program.plans)),
    gzipBytes: gzipSync(runtime).length + gzipSync(programText).length,
  };
}
