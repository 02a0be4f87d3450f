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
import { isDataSourceName, type DataSourceName } from "../ops/data-sources.js";
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

interface PageDataFile {
  /** Where the build writes it, under the page's folder. */
  readonly name: string;
  readonly source: DataSourceName;
}

const mnistFile = (name: string): PageDataFile => ({ name, source: "mnist" });

/** The page's data files and the source that reads each. */
export const pageDataFiles: readonly PageDataFile[] = [
  ...mnistFiles("train").data.map(mnistFile),
  ...mnistFiles("train").test!.map(mnistFile),
  { name: "data/housing.csv", source: "csv" },
  { name: "data/tiny-shakespeare.txt", source: "text" },
];

/** A source the page cannot read: why, as the user reads it after the source's name. */
interface Unsupported {
  readonly unsupported: string;
}

const noFiles: Unsupported = { unsupported: "needs files it does not have" };

/** The reader of each source the page can train on, or why it cannot. */
const pageReaders: { readonly [N in DataSourceName]: SourceReader | Unsupported } = {
  mnist: mnistSource,
  csv: csvSource,
  text: textSource,
  spirals: spiralsSource,
  xor: xorSource,
  sine: sineSource,
  npy: noFiles,
  idx: noFiles,
};

/** The page's reader of `spec`, or why it has none. */
function pageReader(spec: CallSpec): SourceReader | Unsupported {
  return isDataSourceName(spec.name) ? pageReaders[spec.name] : noFiles;
}

/** Why the page cannot read `spec`, or undefined when it can. */
export function dataProblem(spec: CallSpec): string | undefined {
  const reader = pageReader(spec);
  if (typeof reader === "function") return undefined;
  const names = Object.entries(pageReaders)
    .filter(([, r]) => typeof r === "function")
    .map(([name]) => name)
    .join(", ");
  return `the playground trains on the data sources ${names}; \`${spec.name}\` ${reader.unsupported}`;
}

const fetched = new Set<string>();

/** Fetches the data files `spec` reads (once per page), then reads its splits for `seed`. */
export async function pageSplits(spec: CallSpec, seed: number): Promise<Splits> {
  const reader = pageReader(spec);
  if (typeof reader !== "function") throw new UserError(dataProblem(spec));
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
