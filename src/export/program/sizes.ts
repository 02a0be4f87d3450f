/**
 * @file The batch sizes a run takes and what each runs, so that an exported program carries a
 * Plan for each and nothing more: the full batch (`train`, `eval`), the last partial batch of an
 * epoch (`train`) and the full and partial batches of the validation and test splits (`eval`),
 * exactly as the training session draws them (`batches`).
 */
import { batches } from "../../session/batches.js";
import type { SplitCounts } from "./program.js";

export type ProgramName = "train" | "eval";

/**
 * Each batch size a run with batch `batch` over splits of `counts` examples takes, with the
 * programs it runs; the first entry is the first training runner's (the one that starts on quick
 * kernels).
 */
export function batchSizes(counts: SplitCounts, batch: number): Map<number, Set<ProgramName>> {
  const full = Math.min(batch, counts.train);
  const sizes = new Map<number, Set<ProgramName>>();
  const add = (size: number, program: ProgramName) => {
    const programs = sizes.get(size) ?? new Set<ProgramName>();
    programs.add(program);
    sizes.set(size, programs);
  };
  for (const b of batches(counts.train, full)) add(b.size, "train");
  for (const count of [counts.validation, counts.test])
    if (count) for (const b of batches(count, full)) add(b.size, "eval");
  return sizes;
}

/**
 * Why the plans (`sizes`: programs by batch size) cannot train on data of `counts`, or undefined
 * when they can.
 */
export function sizesProblem(
  sizes: ReadonlyMap<number, ReadonlySet<string>>,
  counts: SplitCounts,
  batch: number,
): string | undefined {
  const missing = [...batchSizes(counts, batch)]
    .filter(([size, programs]) => [...programs].some((p) => !sizes.get(size)?.has(p)))
    .map(([size]) => size);
  if (missing.length === 0) return undefined;
  const shown = (c: SplitCounts) =>
    [
      `${c.train} train`,
      ...(c.validation ? [`${c.validation} validation`] : []),
      ...(c.test ? [`${c.test} test`] : []),
    ].join(", ");
  return (
    `the data has ${shown(counts)} examples, which take batches of ${missing.join(", ")}; ` +
    `this program was compiled for batches of ${[...sizes.keys()].join(", ")}`
  );
}
