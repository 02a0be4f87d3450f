/**
 * @file TensorFlow.js 4.22 with its WebGPU backend, or its wasm backend (`useBackend("wasm")`:
 * SIMD, one thread, since its threaded build cannot start workers in Node): tf.variable weights,
 * tf.train optimizers.
 */
import { createRequire } from "node:module";

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

export async function setupTrain(workload, weights, { x, labels }) {
  const { dims, batch, optimizer } = workload;
  const vars = new Map(
    [...weights].map(([k, w], i) => {
      const shape = i % 2 === 0 ? [dims[i / 2], dims[i / 2 + 1]] : [dims[(i + 1) / 2]];
      return [k, tf.variable(tf.tensor(w, shape, "float32"), true, k.replace(".", "_"))];
    }),
  );
  const xs = tf.tensor2d(x, [batch, dims[0]]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), dims.at(-1)).toFloat());
  const a = optimizer.args;
  const opt =
    optimizer.name === "sgd" ? tf.train.sgd(a.lr) : tf.train.adam(a.lr, a.beta1, a.beta2, a.eps); // TF.js's default epsilon is 1e-7
  const layers = dims.length - 1;
  const varList = [...vars.values()];
  const lossFn = () => {
    let h = xs;
    for (let l = 1; l <= layers; l++) {
      h = tf.add(tf.matMul(h, vars.get(`l${l}.w`)), vars.get(`l${l}.b`));
      if (l < layers) h = tf.relu(h);
    }
    return tf.losses.softmaxCrossEntropy(ys, h); // mean over the batch
  };
  let loss;
  const probe = vars.get(`l${layers}.b`);
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
