/**
 * @file The benchmark workloads and their shared inputs: initial weights and a fixed synthetic
 * batch, both drawn from a seed with the IR's counter-based generator, so every library in every
 * process starts from the same bits.
 */
import { fileURLToPath } from "node:url";
import { uniformAt } from "../../dist/ir/random.js";
import { initialValues } from "../../dist/runtime/host-data.js";

const models = fileURLToPath(new URL("../models/", import.meta.url));

const sgd = { name: "sgd", args: { lr: 0.01 } };
const adam = {
  name: "adam",
  args: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 },
};

const large = {
  model: `${models}mlp-large.grove`,
  title: "MLP 784-512-512-10, batch 256",
  dims: [784, 512, 512, 10],
  batch: 256,
  // Each step takes 100+ ms on lavapipe: few, long timed runs.
  timing: { warmup: 2, steps: 10, repeats: 3 },
};
const small = {
  model: `${models}mlp-small.grove`,
  title: "MLP 64-64-64-10, batch 32",
  dims: [64, 64, 64, 10],
  batch: 32,
  timing: { warmup: 20, steps: 100, repeats: 5 },
};

export const workloads = [
  { id: "large-sgd", ...large, optimizer: sgd },
  { id: "large-adam", ...large, optimizer: adam },
  { id: "small-sgd", ...small, optimizer: sgd },
  { id: "small-adam", ...small, optimizer: adam },
];

/** Steps from the initial weights after which the libraries' losses are compared. */
export const checkSteps = 10;

export const seed = 1234;

/** Parameters in the order and with the names Grove's plan gives them (`l1.w`, `l1.b`, ...). */
export function paramSpecs(dims) {
  const specs = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const w = { name: `l${l + 1}.w`, shape: [dims[l], dims[l + 1]], init: "glorot_uniform" };
    specs.push(w, { name: `l${l + 1}.b`, shape: [dims[l + 1]], init: "zeros" });
  }
  return specs;
}

/** Initial weights, by parameter name, drawn like Grove's `initialiseParams`. */
export function initialWeights(dims) {
  return new Map(
    paramSpecs(dims).map((p, k) => [
      p.name,
      initialValues({ ...p, init: { name: p.init, args: {} } }, seed, 0x10000 + k),
    ]),
  );
}

/** A fixed MNIST-shaped batch: features uniform in [0, 1), labels uniform in 0..9. */
export function syntheticBatch(batch, features, classes) {
  const x = new Float32Array(batch * features);
  for (let i = 0; i < x.length; i++) x[i] = uniformAt(seed, 1, i);
  const labels = new Int32Array(batch);
  for (let i = 0; i < batch; i++) labels[i] = Math.floor(uniformAt(seed, 2, i) * classes);
  return { x, labels };
}

/** Per-step scalars of the optimizers (`t` counts from 1), as Grove's uniforms name them. */
export function stepScalars(optimizer, t) {
  const a = optimizer.args;
  return {
    lr: a.lr,
    bc1: 1 - Math.pow(a.beta1 ?? 0.9, t),
    bc2: 1 - Math.pow(a.beta2 ?? 0.999, t),
    step: t,
  };
}
