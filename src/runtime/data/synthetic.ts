/**
 * @file The synthetic data sources, drawn from the train seed with the IR's counter-based
 * generator: `spirals` (interleaved arms, one per class), `xor` (the sign of x·y) and `sine`
 * (y = sin x plus noise). Example i of a set depends only on the seed, the arguments and i.
 */
import { normalAt, uniformAt } from "../../ir/random.js";
import type { Dataset } from "./types.js";

/** Streams of the generator, apart from parameter initialisation (0x10000 + k) and shuffling. */
const STREAM = { a: 0x20001, b: 0x20002, c: 0x20003, d: 0x20004 };

function dataset(
  features: Float32Array,
  perExample: number,
  last: [string, Float32Array | Int32Array],
): Dataset {
  const [name, data] = last;
  return {
    count: features.length / perExample,
    fields: new Map([
      ["features", { dtype: "f32", perExample, data: features }],
      [name, { dtype: data instanceof Int32Array ? "i32" : "f32", perExample: 1, data }],
    ]),
  };
}

/**
 * `classes` spiral arms around the origin; example i belongs to class i mod classes, at radius
 * t in [0, 1) and angle 2π·class/classes + 4t, with Gaussian noise of std `noise` on x and y.
 */
export function spirals(n: number, classes: number, noise: number, seed: number): Dataset {
  const features = new Float32Array(n * 2);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const t = uniformAt(seed, STREAM.a, i);
    const angle = (2 * Math.PI * c) / classes + 4 * t;
    features[2 * i] = t * Math.cos(angle) + noise * normalAt(seed, STREAM.b, i);
    features[2 * i + 1] = t * Math.sin(angle) + noise * normalAt(seed, STREAM.c, i);
    label[i] = c;
  }
  return dataset(features, 2, ["label", label]);
}

/** Points uniform in [-1, 1]²; label 1 where x·y < 0, else 0; then noise on the coordinates. */
export function xor(n: number, noise: number, seed: number): Dataset {
  const features = new Float32Array(n * 2);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = 2 * uniformAt(seed, STREAM.a, i) - 1;
    const y = 2 * uniformAt(seed, STREAM.b, i) - 1;
    label[i] = x * y < 0 ? 1 : 0;
    features[2 * i] = x + noise * normalAt(seed, STREAM.c, i);
    features[2 * i + 1] = y + noise * normalAt(seed, STREAM.d, i);
  }
  return dataset(features, 2, ["label", label]);
}

/** x uniform in [-π, π), target sin(x) plus Gaussian noise of std `noise`. */
export function sine(n: number, noise: number, seed: number): Dataset {
  const features = new Float32Array(n);
  const target = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = Math.PI * (2 * uniformAt(seed, STREAM.a, i) - 1);
    features[i] = x;
    target[i] = Math.sin(x) + noise * normalAt(seed, STREAM.b, i);
  }
  return dataset(features, 1, ["target", target]);
}
