/**
 * @file How an exported program reads its data: one reader per data source, each calling the
 * reader `grove train` uses (`src/runtime/data`) with the arguments `loadData` passes, on files in
 * the program's data folder; then the same held-out validation split. The `mnist` source becomes
 * four IDX files (float32 images, u8 labels, gzip-compressed) holding exactly the digits and
 * split of `grove train`'s, read by the `idx` reader. The program's bundle imports only the reader
 * of its own source (`sourceReaders` names the export of each), so csv-parse travels only with
 * a `csv` source. Tests compare each with `loadData` on the original files.
 */
import { csv } from "../../runtime/data/csv.js";
import { text } from "../../runtime/data/files.js";
import { idx } from "../../runtime/data/idx.js";
import { npy } from "../../runtime/data/npy.js";
import { sine, spirals, xor } from "../../runtime/data/synthetic.js";
import { holdOut, type Dataset, type Splits } from "../../runtime/data/types.js";
import type { ProgramData } from "./program.js";

/** Reads a program's data from the folder `dir` for the run's `seed`. */
export type SourceReader = (data: ProgramData, dir: string, seed: number) => Splits;

type Args = ProgramData["args"];

const num = (a: Args, name: string, fallback: number) =>
  typeof a[name] === "number" ? (a[name] as number) : fallback;

/** The splits of `data` with the source's `validate` fraction held out, and a test split. */
function splits(data: Dataset, a: Args, test?: Dataset): Splits {
  const { train, validation } = holdOut(data, num(a, "validate", 0));
  return { train, ...(validation ? { validation } : {}), ...(test ? { test } : {}) };
}

/** The files an exported `mnist` source is written as, for its `split`. */
export function mnistFiles(split: "train" | "test"): {
  readonly data: readonly [string, string];
  readonly test?: readonly [string, string];
} {
  const pair = (s: string) => [`mnist-${s}-images.idx.gz`, `mnist-${s}-labels.idx.gz`] as const;
  return split === "train" ? { data: pair("train"), test: pair("test") } : { data: pair("test") };
}

export const mnistSource: SourceReader = (d, dir) => {
  const files = mnistFiles(d.args.split === "test" ? "test" : "train");
  const test = files.test && idx(files.test[0], files.test[1], dir);
  return splits(idx(files.data[0], files.data[1], dir), d.args, test);
};

export const csvSource: SourceReader = (d, dir) => {
  const a = d.args;
  return splits(
    csv(a.path as string, dir, {
      ...(typeof a.label === "string" ? { label: a.label } : {}),
      ...(typeof a.target === "string" ? { target: a.target } : {}),
      ...(Array.isArray(a.features) ? { features: a.features as string[] } : {}),
    }),
    a,
  );
};

export const textSource: SourceReader = (d, dir) =>
  splits(text(d.args.path as string, dir, num(d.args, "context", 64)), d.args);

export const npySource: SourceReader = (d, dir) => {
  const a = d.args;
  const labels = typeof a.labels === "string" ? { labels: a.labels } : undefined;
  return splits(npy(a.features as string, dir, labels ?? { targets: a.targets as string }), a);
};

export const idxSource: SourceReader = (d, dir) =>
  splits(idx(d.args.images as string, d.args.labels as string, dir), d.args);

export const spiralsSource: SourceReader = (d, _dir, seed) => {
  const a = d.args;
  return splits(spirals(num(a, "n", 1000), num(a, "classes", 3), num(a, "noise", 0.1), seed), a);
};

export const xorSource: SourceReader = (d, _dir, seed) =>
  splits(xor(num(d.args, "n", 1000), num(d.args, "noise", 0.1), seed), d.args);

export const sineSource: SourceReader = (d, _dir, seed) =>
  splits(sine(num(d.args, "n", 1000), num(d.args, "noise", 0.05), seed), d.args);

/** The export of this module that reads each source, by the source's name. */
export const sourceReaders: Readonly<Record<string, string>> = {
  mnist: "mnistSource",
  csv: "csvSource",
  text: "textSource",
  npy: "npySource",
  idx: "idxSource",
  spirals: "spiralsSource",
  xor: "xorSource",
  sine: "sineSource",
};
