/**
 * @file Everything an exported program is made of, gathered at export time (Node and browser
 * targets alike): the data read once as `grove train` reads it (its example counts decide the
 * batch sizes), the plans compiled for those sizes, the data files written, and the program
 * object itself.
 */
import { dirname } from "node:path";
import type { CompiledPlan, PlanOptions } from "../../codegen/compile.js";
import type { Diagnostic } from "../../diag/diagnostic.js";
import type { ElaboratedTrain } from "../../parser/check/values.js";
import { loadData } from "../../runtime/data/index.js";
import type { Splits } from "../../runtime/data/types.js";
import { splitCounts } from "./checks.js";
import { exportData } from "./data-files.js";
import { compilePlans } from "./plans.js";
import {
  PROGRAM_FORMAT,
  PROGRAM_VERSION,
  type CompiledFor,
  type ExportedProgram,
} from "./program.js";
import { groveVersion } from "./version.js";

export interface ProgramRequest {
  /** The `.grove` file, as given. */
  readonly file: string;
  readonly train: ElaboratedTrain;
  /** `--batch`: overrides the train section's. */
  readonly batch?: number;
  /** Compile options that depend on the target device, and what they are for. */
  readonly device: {
    readonly options: Omit<PlanOptions, "batch" | "sources">;
    readonly compiledFor: CompiledFor;
  };
}

export interface PreparedProgram {
  /** The program, without its data files (`writeData` writes them). */
  readonly program: (dataDir: string | undefined) => ExportedProgram;
  /** The data as read at export time, and the full batch's compiled plan, to check they fit. */
  readonly data: Splits;
  readonly compiled: CompiledPlan;
}

/**
 * Reads the data, compiles the plans and returns how to make the program; compiler diagnostics
 * when a plan does not compile. Data problems are thrown (`DataError`, `UnsupportedDataError`).
 */
export function prepareProgram(req: ProgramRequest): PreparedProgram | readonly Diagnostic[] {
  const { train, file } = req;
  const data = loadData(train.data, train.seed, dirname(file));
  const counts = splitCounts(data);
  const batch = req.batch ?? train.batch;
  const compiled = compilePlans(train, batch, counts, req.device.options);
  if (!("plans" in compiled)) return compiled;
  // The checked calls less their spans (a union's rest keeps each member's name and arguments).
  const { span: _optimizerSpan, ...optimizer } = train.optimizer;
  const { span: _scheduleSpan, ...schedule } = train.schedule;
  const settings = {
    model: train.model,
    optimizer,
    schedule,
    batch,
    epochs: train.epochs,
    seed: train.seed,
    ...(train.clipGradNorm !== undefined ? { clipGradNorm: train.clipGradNorm } : {}),
  };
  const grove = groveVersion();
  return {
    data,
    compiled: compiled.full,
    program: (dataDir) => ({
      format: PROGRAM_FORMAT,
      version: PROGRAM_VERSION,
      grove,
      sourceFile: file,
      settings,
      data: exportData(train.data, dirname(file), dataDir),
      counts,
      compiledFor: req.device.compiledFor,
      ...(compiled.randomSeed !== undefined ? { randomSeed: compiled.randomSeed } : {}),
      plans: compiled.plans,
    }),
  };
}
