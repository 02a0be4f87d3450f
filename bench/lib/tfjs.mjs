/**
 * @file TensorFlow.js 4.22 with its WebGPU backend, or its wasm backend (`useBackend("wasm")`:
 * SIMD, one thread, since its threaded build cannot start workers in Node): tf.variable weights,
 * tf.train optimizers, the models of `tfjs-models.mjs`.
 */
import { createRequire } from "node:module";
import { tfjsModels } from "./tfjs-models.mjs";

export const name = "TF.js";

let tf;
let backend = "webgpu";

/** Runs on `webgpu` (default) or `wasm`; call before `init`. */
export function useBackend(b) {
  backend = b;
}

export function version() {
  const require = createRequire(import.meta.url);
  const threads = backend === "wasm" ? " (1 thread, SIMD)" : "";
  return `${require("@tensorflow/tfjs/package.json").version} ${backend}${threads}`;
}

export async function init() {
  // The union package: tfjs-core alone lacks the gradient registrations in Node. The WebGPU
  // backend registers itself only if navigator.gpu exists when it is imported.
  tf = await import("@tensorflow/tfjs");
  await import(
    backend === "wasm" ? "@tensorflow/tfjs-backend-wasm" : "@tensorflow/tfjs-backend-webgpu"
  );
  if (!(await tf.setBackend(backend)))
    throw new Error(`TF.js: the ${backend} backend did not start`);
  await tf.ready();
}

export async function setupTrain(workload, weights, batch) {
  const model = tfjsModels[workload.kind];
  const vars = new Map(
    workload.params.map(({ name, shape }) => {
      const { values, shape: s } = model.layout(name, weights.get(name), shape);
      return [name, tf.variable(tf.tensor(values, s, "float32"), true, name.replaceAll(".", "_"))];
    }),
  );
  const v = (name) => vars.get(name);
  const inputs = model.inputs(tf, workload, batch);
  const { optimizer } = workload;
  const a = optimizer.args;
  const opt =
    optimizer.name === "sgd" ? tf.train.sgd(a.lr) : tf.train.adam(a.lr, a.beta1, a.beta2, a.eps); // TF.js's default epsilon is 1e-7
  const varList = [...vars.values()];
  // Mean over the batch (and the positions) of the softmax cross entropy.
  const lossFn = () =>
    tf.losses.softmaxCrossEntropy(inputs.ys, model.logits(tf, v, inputs, workload));
  let loss;
  const probe = v(workload.probe);
  return {
    step() {
      loss?.dispose();
      loss = opt.minimize(lossFn, true, varList);
    },
    async read() {
      const [l, b] = await Promise.all([loss.data(), probe.data()]);
      return { loss: l[0], probe: Array.from(b) };
    },
    stats() {
      return { tfMemoryBytes: tf.memory().numBytes };
    },
  };
}

export async function setupMatmul(n, a, b) {
  const ta = tf.tensor2d(a, [n, n]);
  const tb = tf.tensor2d(b, [n, n]);
  let results = [];
  return {
    run() {
      results.push(tf.matMul(ta, tb));
    },
    async read() {
      const last = results.at(-1);
      const v = (await last.data())[0];
      for (const r of results) r.dispose();
      results = [];
      return v;
    },
    stats() {
      return {};
    },
  };
}
