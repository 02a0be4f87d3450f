/**
 * @file Loading a train section's data source into splits: `mnist` and the synthetic sets are
 * read; the file sources (`csv`, `npy`, `idx`, `text`) are an `UnsupportedDataError` for now.
 */
import type { CallSpec } from "../../parser/check/values.js";
import { mnist } from "./mnist.js";
import { sine, spirals, xor } from "./synthetic.js";
import { holdOut, UnsupportedDataError, type Dataset, type Splits } from "./types.js";

export * from "./types.js";
export { permutation } from "./shuffle.js";

/** Reads `spec` (defaults already filled in by the checker); synthetic sets are drawn from `seed`. */
export function loadData(spec: CallSpec, seed: number): Splits {
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
    default:
      throw new UnsupportedDataError(spec.name);
  }
  const { train, validation } = holdOut(data, validate);
  return { train, ...(validation ? { validation } : {}), ...(test ? { test } : {}) };
}
