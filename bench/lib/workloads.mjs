/**
 * @file The benchmark workloads and their shared inputs: each workload's model, parameters (names,
 * shapes and initialisers as Grove's plan has them), optimizer, timing and one fixed batch. The
 * initial weights and the batch are drawn from a seed with the IR's counter-based generator, so
 * every library in every process starts from the same bits.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { uniformAt } from "../../dist/ir/random.js";
import { initialValues } from "../../dist/runtime/host-data.js";

const models = fileURLToPath(new URL("../models/", import.meta.url));
const shakespeare = new URL("../../examples/data/tiny-shakespeare.txt", import.meta.url);

const sgd = { name: "sgd", args: { lr: 0.01 } };
const adamAt = (lr) => ({
  name: "adam",
  args: { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 },
});
const adam = adamAt(1e-3);

// Parameter lists, in the order Grove's plan gives them; `init` as the .grove files declare it.
const init = (name, args = {}) => ({ name, args });
const dense = (n, i, o) => [
  { name: `${n}.w`, shape: [i, o], init: init("glorot_uniform") },
  { name: `${n}.b`, shape: [o], init: init("zeros") },
];
const conv = (n, i, o, k) => [
  { name: `${n}.w`, shape: [o, i, k, k], init: init("he_uniform") },
  { name: `${n}.b`, shape: [o], init: init("zeros") },
];
const layerNorm = (n, d) => [
  { name: `${n}.gamma`, shape: [d], init: init("ones") },
  { name: `${n}.beta`, shape: [d], init: init("zeros") },
];
const normal002 = init("normal", { std: 0.02, mean: 0 });

/** Dense layers `l1`, `l2`, ... between the given widths. */
function mlpParams(dims) {
  return dims.slice(1).flatMap((d, l) => dense(`l${l + 1}`, dims[l], d));
}

/** std's TransformerBlock(dim, heads) with FeedForward's hidden width 4 dim. */
function blockParams(n, dim) {
  return [
    ...layerNorm(`${n}.ln1`, dim),
    ...["q", "k", "v", "proj"].flatMap((p) => dense(`${n}.attn.${p}`, dim, dim)),
    ...layerNorm(`${n}.ln2`, dim),
    ...dense(`${n}.ffn.up`, dim, 4 * dim),
    ...dense(`${n}.ffn.down`, 4 * dim, dim),
  ];
}

/** A fixed MNIST-shaped batch: features uniform in [0, 1), labels uniform in 0..classes-1. */
function syntheticBatch(batch, features, classes) {
  const x = new Float32Array(batch * features);
  for (let i = 0; i < x.length; i++) x[i] = uniformAt(seed, 1, i);
  const y = new Int32Array(batch);
  for (let i = 0; i < batch; i++) y[i] = Math.floor(uniformAt(seed, 2, i) * classes);
  return { x, y };
}

/**
 * `batch` windows of `context` bytes of the example's Shakespeare at offsets drawn from the seed:
 * tokens, and as targets the same window shifted by one byte (what the `text` source yields).
 */
function textBatch(batch, context) {
  const bytes = readFileSync(shakespeare);
  const x = new Int32Array(batch * context);
  const y = new Int32Array(batch * context);
  for (let b = 0; b < batch; b++) {
    const at = Math.floor(uniformAt(seed, 3, b) * (bytes.length - context - 1));
    for (let t = 0; t < context; t++) {
      x[b * context + t] = bytes[at + t];
      y[b * context + t] = bytes[at + t + 1];
    }
  }
  return { x, y };
}

const mlp = (dims, batch) => ({
  kind: "mlp",
  dims,
  batch,
  params: mlpParams(dims),
  probe: `l${dims.length - 1}.b`,
  data: () => syntheticBatch(batch, dims[0], dims.at(-1)),
});

const large = {
  ...mlp([784, 512, 512, 10], 256),
  model: `${models}mlp-large.grove`,
  inputs: ["image", "label"],
  title: "MLP 784-512-512-10, batch 256",
  // Each step takes 100+ ms on lavapipe: few, long timed runs.
  timing: { warmup: 2, steps: 10, repeats: 3 },
};
const small = {
  ...mlp([64, 64, 64, 10], 32),
  model: `${models}mlp-small.grove`,
  inputs: ["features", "label"],
  title: "MLP 64-64-64-10, batch 32",
  timing: { warmup: 20, steps: 100, repeats: 5 },
};

/** examples/mnist-cnn.grove: conv 3x3 (1→16) relu, pool 2, conv 3x3 (16→32) relu, pool 2, dense. */
const cnn = {
  kind: "cnn",
  model: `${models}cnn.grove`,
  inputs: ["image", "label"],
  title: "MNIST CNN (examples/mnist-cnn.grove), batch 64",
  batch: 64,
  params: [...conv("conv1", 1, 16, 3), ...conv("conv2", 16, 32, 3), ...dense("fc", 32 * 7 * 7, 10)],
  probe: "fc.b",
  data: () => syntheticBatch(64, 28 * 28, 10),
  unsupported: {
    "tfjs-wasm":
      "TF.js 4.22's wasm backend has no Conv2DBackpropFilter kernel: it cannot train a convolution",
  },
  // About a step a second on lavapipe (Grove and jax-js), TF.js slower.
  timing: { warmup: 2, steps: 5, repeats: 3 },
  timeoutMs: 900_000,
};

/** examples/char-transformer.grove: bytes, context 64, width 128, 4 heads, 2 pre-norm blocks. */
const transformer = {
  kind: "transformer",
  model: `${models}char-transformer.grove`,
  inputs: ["tokens", "targets"],
  title: "char transformer (examples/char-transformer.grove), batch 32",
  batch: 32,
  context: 64,
  dim: 128,
  heads: 4,
  vocab: 256,
  params: [
    { name: "embed.table", shape: [256, 128], init: normal002 },
    { name: "pos", shape: [64, 128], init: normal002 },
    ...blockParams("block1", 128),
    ...blockParams("block2", 128),
    ...layerNorm("ln_f", 128),
    ...dense("head", 128, 256),
  ],
  probe: "head.b",
  data: () => textBatch(32, 64),
  unsupported: {
    "tfjs-wasm":
      "TF.js 4.22's wasm backend has no UnsortedSegmentSum kernel (the gradient of tf.gather)",
  },
  // Seconds a step on lavapipe: 25 steps in all, with the checks.
  timing: { warmup: 1, steps: 3, repeats: 3 },
  timeoutMs: 1_800_000,
};

export const workloads = [
  { id: "large-sgd", ...large, optimizer: sgd },
  { id: "large-adam", ...large, optimizer: adam },
  { id: "small-sgd", ...small, optimizer: sgd },
  { id: "small-adam", ...small, optimizer: adam },
  { id: "cnn-adam", ...cnn, optimizer: adam },
  { id: "transformer-adam", ...transformer, optimizer: adamAt(3e-4) },
];

/** Steps from the initial weights after which the libraries' losses are compared. */
export const checkSteps = 10;

export const seed = 1234;

/** Initial weights, by parameter name, drawn like Grove's `initialiseParams`. */
export function initialWeights(workload) {
  return new Map(workload.params.map((p, k) => [p.name, initialValues(p, seed, 0x10000 + k)]));
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
