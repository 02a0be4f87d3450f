/**
 * @file Loading a train section's data source into splits: `mnist`, the synthetic sets, `csv`,
 * `text`, `npy` and `idx`. A name the loader does not know is an `UnsupportedDataError`.
 */
import type { CallSpec } from "../../parser/check/values.js";
import { csv } from "./csv.js";
import { text } from "./files.js";
import { idx } from "./idx.js";
import { npy } from "./npy.js";
import { mnist } from "./mnist.js";
import { sine, spirals, xor } from "./synthetic.js";
import { holdOut, UnsupportedDataError, type Dataset, type Splits } from "./types.js";

export * from "./types.js";
export { DataError } from "./read-file.js";
export { readCsvHeader, readCsvRows, type CsvRow } from "./csv.js";
export { readCsvExamples, type CsvColumns, type CsvExamples } from "./csv-examples.js";
export { shown } from "./show.js";
export { encodeNpy, indexText, parseNpy, readNpy, writeNpy, type NpyArray } from "./npy.js";
export { parseIdx, readIdx, type IdxArray } from "./idx.js";
export { permutation } from "./shuffle.js";

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
  const a = spec.args;
  const num = (name: string, fallback: number) =>
    typeof a[name] === "number" ? (a[name] as number) : fallback;
  const validate = num("validate", 0);
  let data: Dataset;
  let test: Dataset | undefined;
  switch (spec.name) {
    case "mnist": {
      const split = a.split === "test" ? "test" : "train";
      data = mnist(split);
      if (split === "train") test = mnist("test");
      break;
    }
    case "spirals":
      data = spirals(num("n", 1000), num("classes", 3), num("noise", 0.1), seed);
      break;
    case "xor":
      data = xor(num("n", 1000), num("noise", 0.1), seed);
      break;
    case "sine":
      data = sine(num("n", 1000), num("noise", 0.05), seed);
      break;
    case "csv":
      data = csv(a.path as string, baseDir, {
        ...(typeof a.label === "string" ? { label: a.label } : {}),
        ...(typeof a.target === "string" ? { target: a.target } : {}),
        ...(Array.isArray(a.features) ? { features: a.features as string[] } : {}),
        ...(classes ? { classes } : {}),
      });
      break;
    case "text":
      data = text(a.path as string, baseDir, num("context", 64));
      break;
    case "npy":
      data = npy(
        a.features as string,
        baseDir,
        typeof a.labels === "string" ? { labels: a.labels } : { targets: a.targets as string },
      );
      break;
    case "idx":
      data = idx(a.images as string, a.labels as string, baseDir);
      break;
    default:
      throw new UnsupportedDataError(spec.name);
  }
  const { train, validation } = holdOut(data, validate);
  return { train, ...(validation ? { validation } : {}), ...(test ? { test } : {}) };
}
