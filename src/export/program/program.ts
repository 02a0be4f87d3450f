/**
 * @file What an exported training program carries (`grove export --target node|browser`): the
 * train section's settings, where its data is and how to read it, the example counts it was
 * compiled for, and the compiled step, one Plan per batch size the run takes. Plain data: it is
 * written into `train.mjs` (Node) or `program.json` (a page) and read back by the program's
 * runtime, which holds no compiler.
 */
import type { Plan } from "../../codegen/plan.js";
import type { ArgValue } from "../../ops/call-schema.js";
import type { TrainSettings } from "../../session/run-spec.js";

/** The format's name and version, checked by the program's runtime. */
export const PROGRAM_FORMAT = "grove-program";
export const PROGRAM_VERSION = 1;

/** The train section's data source, as the program reads it. */
export interface ProgramData {
  /** The source's name (`mnist`, `csv`, `text`, `npy`, `idx`, `xor`, ...). */
  readonly source: string;
  /** Its arguments, file paths made relative to the data folder. */
  readonly args: Readonly<Record<string, ArgValue>>;
  /** Every file it reads, relative to the data folder (none for a synthetic set). */
  readonly files: readonly string[];
  /** Whether the files were written beside the program (`--no-data` leaves them out). */
  readonly included: boolean;
  /**
   * Its reader takes gzip-compressed files (the source's record says so): a page, which cannot
   * decompress synchronously, gunzips them as it fetches them.
   */
  readonly gzipFiles?: true;
}

/** Examples per split of the data the program was exported with. */
export interface SplitCounts {
  readonly train: number;
  readonly validation?: number;
  readonly test?: number;
}

/** What the plans were compiled for. */
export interface CompiledFor {
  /** Any WebGPU device (WebGPU's default limits, no subgroups), or the exporting machine's. */
  readonly portable: boolean;
  /** Matrix products use subgroup operations: the device needs the `subgroups` feature. */
  readonly subgroups: boolean;
  /** The device, in words (`llvmpipe (Mesa 25.0.7)`), or `any WebGPU device`. */
  readonly device: string;
}

export interface ExportedProgram {
  readonly format: typeof PROGRAM_FORMAT;
  readonly version: typeof PROGRAM_VERSION;
  /** The Grove that exported it: its version and, when known, the git commit. */
  readonly grove: { readonly version: string; readonly commit?: string };
  /** The `.grove` file it was exported from, as given (recorded in checkpoints). */
  readonly sourceFile: string;
  readonly settings: TrainSettings;
  readonly data: ProgramData;
  readonly counts: SplitCounts;
  readonly compiledFor: CompiledFor;
  /**
   * The step draws random numbers (dropout) from the seed it was compiled with, so a run with
   * another seed would not be the run `grove train --seed` makes: the program refuses one.
   */
  readonly randomSeed?: number;
  /** The compiled step by batch size: each with the programs that size runs. */
  readonly plans: Readonly<Record<string, Plan>>;
}
