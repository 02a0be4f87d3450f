/**
 * @file How an exported program reads its data: one reader per data source, each calling the
 * reader `grove train` uses (`src/runtime/data`) with the arguments `loadData` passes, on files in
 * the program's data folder; then the same held-out validation split. The `mnist` source becomes
 * four IDX files (float32 images, u8 labels, gzip-compressed) holding exactly the digits and
 * split of `grove train`'s, read by the `idx` reader. The program's bundle imports only the reader
 * of its own source (`sourceReaders` names the export of each), so csv-parse travels only with
 * a `csv` source. Tests compare each with `loadData` on the original files.
 */
import { isDataSourceName, type DataSourceName, type SourceArgs } from "../../ops/data-sources.js";
import { idx } from "../../runtime/data/idx.js";
import {
  csvDataset,
  idxDataset,
  npyDataset,
  sineDataset,
  spiralsDataset,
  textDataset,
  xorDataset,
} from "../../runtime/data/sources.js";
import { holdOut, type Dataset, type Splits } from "../../runtime/data/types.js";
import type { ProgramData } from "./program.js";

/** Reads a program's data from the folder `dir` for the run's `seed`. */
export type SourceReader = (data: ProgramData, dir: string, seed: number) => Splits;

/** The arguments of the program's source `N` (bound by the checker when it was exported). */
const argsOf = <N extends DataSourceName>(d: ProgramData) => d.args as SourceArgs<N>;

/** The splits of `data` with the source's `validate` fraction held out, and a test split. */
function splits(data: Dataset, d: ProgramData, test?: Dataset): Splits {
  const { train, validation } = holdOut(data, argsOf(d).validate);
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
  const files = mnistFiles(argsOf<"mnist">(d).split === "test" ? "test" : "train");
  const test = files.test && idx(files.test[0], files.test[1], dir);
  return splits(idx(files.data[0], files.data[1], dir), d, test);
};

export const csvSource: SourceReader = (d, dir, seed) =>
  splits(csvDataset(argsOf(d), { dir, seed }), d);

export const textSource: SourceReader = (d, dir, seed) =>
  splits(textDataset(argsOf(d), { dir, seed }), d);

export const npySource: SourceReader = (d, dir, seed) =>
  splits(npyDataset(argsOf(d), { dir, seed }), d);

export const idxSource: SourceReader = (d, dir, seed) =>
  splits(idxDataset(argsOf(d), { dir, seed }), d);

export const spiralsSource: SourceReader = (d, dir, seed) =>
  splits(spiralsDataset(argsOf(d), { dir, seed }), d);

export const xorSource: SourceReader = (d, dir, seed) =>
  splits(xorDataset(argsOf(d), { dir, seed }), d);

export const sineSource: SourceReader = (d, dir, seed) =>
  splits(sineDataset(argsOf(d), { dir, seed }), d);

/** This module's readers: `NAMESource` reads source `NAME` (tests/export type-check it). */
export type SourceReaders = { readonly [N in DataSourceName as `${N}Source`]: SourceReader };

/** The export of this module that reads each source, by the source's name. */
const sourceReaders: { readonly [N in DataSourceName]: `${N}Source` } = {
  mnist: "mnistSource",
  csv: "csvSource",
  text: "textSource",
  npy: "npySource",
  idx: "idxSource",
  spirals: "spiralsSource",
  xor: "xorSource",
  sine: "sineSource",
};

/**
 * The export of this module that reads data source `source` (a bundle entry imports that one
 * export), or undefined when no source has that name.
 */
export function readerExport(source: string): keyof SourceReaders | undefined {
  return isDataSourceName(source) ? sourceReaders[source] : undefined;
}
