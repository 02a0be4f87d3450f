/**
 * @file What an exported program checks before it trains, shared by the Node program and the
 * page: that it can read the program (format and version), the batch sizes its plans cover, that
 * a seed given at run time is one its step was compiled for, and the example counts of the data
 * it read.
 */
import type { Splits } from "../../runtime/data/types.js";
import {
  PROGRAM_FORMAT,
  PROGRAM_VERSION,
  type ExportedProgram,
  type SplitCounts,
} from "./program.js";

/** Why this runtime cannot run `program`, or undefined. */
export function programProblem(program: ExportedProgram): string | undefined {
  if (program.format !== PROGRAM_FORMAT || program.version !== PROGRAM_VERSION)
    return `this runtime reads ${PROGRAM_FORMAT} version ${PROGRAM_VERSION}, not ${String(program.format)} version ${String(program.version)}`;
  return undefined;
}

/** The programs each plan runs, by batch size. */
export function planSizes(program: ExportedProgram): Map<number, Set<string>> {
  return new Map(
    Object.entries(program.plans).map(([size, plan]) => [
      Number(size),
      new Set(Object.keys(plan.programs)),
    ]),
  );
}

/**
 * Why `seed` cannot be used: the step draws random numbers (dropout) from the seed it was
 * compiled with, so another seed would not give `grove train --seed`'s run. Undefined when it can.
 */
export function seedProblem(
  program: ExportedProgram,
  seed: number | undefined,
): string | undefined {
  const compiled = program.randomSeed;
  if (seed === undefined || compiled === undefined || seed === compiled) return undefined;
  return (
    `the model draws random numbers in its training step (dropout) from the seed it was compiled ` +
    `with, ${compiled}; to train with seed ${seed}, export it again with --set "seed = ${seed}"`
  );
}

/** The example counts of each split of `data`. */
export function splitCounts(data: Splits): SplitCounts {
  return {
    train: data.train.count,
    ...(data.validation ? { validation: data.validation.count } : {}),
    ...(data.test ? { test: data.test.count } : {}),
  };
}
