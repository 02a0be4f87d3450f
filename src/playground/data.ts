/**
 * @file The playground's built-in data: what a train section's data source reads when it trains in
 * the page. The synthetic sets (`spirals`, `xor`, `sine`) are drawn from the seed as in
 * `grove train`; `mnist` is a small subset of its digits (the first `MNIST_PAGE_TRAIN` of the
 * train split and `MNIST_PAGE_TEST` of the test split, written by the build as IDX files); `csv`
 * and `text` read the example data files bundled with the page (`examples/data/`). Each is read
 * by the exported programs' readers (`export/program/sources.ts`) from files fetched into the
 * page's file system (`export/browser/shims/fs.ts`), so a source reads as it does there.
 */
import { UserError } from "../diag/diagnostic.js";
import type { CallSpec } from "../parser/check/values.js";
import type { Splits } from "../runtime/data/types.js";
import { fetchInto } from "../export/browser/app.js";
import {
  csvSource,
  mnistFiles,
  mnistSource,
  sineSource,
  spiralsSource,
  textSource,
  xorSource,
  type SourceReader,
} from "../export/program/sources.js";
import { EXAMPLES_DIR } from "./analyse.js";

/** Digits of each split the page carries (of the 8,000 and 2,000 `grove train` reads). */
export const MNIST_PAGE_TRAIN = 1000;
export const MNIST_PAGE_TEST = 200;

/** The page's data files: where the build writes them under `data/`, and their use. */
export const pageDataFiles: readonly { readonly name: string; readonly source: string }[] = [
  ...mnistFiles("train").data.map((name) => ({ name, source: "mnist" })),
  ...mnistFiles("train").test!.map((name) => ({ name, source: "mnist" })),
  { name: "data/housing.csv", source: "csv" },
  { name: "data/tiny-shakespeare.txt", source: "text" },
];

/** The reader of each source the page can train on. */
const pageReaders: Readonly<Record<string, SourceReader>> = {
  mnist: mnistSource,
  csv: csvSource,
  text: textSource,
  spirals: spiralsSource,
  xor: xorSource,
  sine: sineSource,
};

/** Why the page cannot read `spec`, or undefined when it can. */
export function dataProblem(spec: CallSpec): string | undefined {
  if (pageReaders[spec.name]) return undefined;
  const names = Object.keys(pageReaders).join(", ");
  return `the playground trains on the data sources ${names}; \`${spec.name}\` needs files it does not have`;
}

const fetched = new Set<string>();

/** Fetches the data files `spec` reads (once per page), then reads its splits for `seed`. */
export async function pageSplits(spec: CallSpec, seed: number): Promise<Splits> {
  const reader = pageReaders[spec.name];
  if (!reader) throw new UserError(dataProblem(spec));
  for (const f of pageDataFiles) {
    if (f.source !== spec.name || fetched.has(f.name)) continue;
    const path = `${EXAMPLES_DIR}/${f.name}`;
    await fetchInto(path, path, f.name.endsWith(".gz"));
    fetched.add(f.name);
  }
  return reader(
    { source: spec.name, args: spec.args, files: [], included: true },
    EXAMPLES_DIR,
    seed,
  );
}
