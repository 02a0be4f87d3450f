/**
 * @file jax-js 0.1.25 on WebGPU, or on its wasm backend (`useDevice("wasm")`, with a thread per
 * core through `web-worker.mjs`, as in a browser): one `jit`ted training step built with
 * `valueAndGrad` over the models of `jax-models.mjs`, SGD and Adam written out with Grove's
 * formulas. Arrays are reference counted (`.ref` keeps one) and lazy.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { jaxModels } from "./jax-models.mjs";
import { installWebWorker } from "./web-worker.mjs";

export const name = "jax-js";

let jax;
let device = "webgpu";

/** Runs on `webgpu` (default) or `wasm`; call before `init`. */
export function useDevice(d) {
  device = d;
}

export function version() {
  const require = createRequire(import.meta.url);
  const path = require.resolve("@jax-js/jax").replace(/dist[/\\]index\.c?js$/, "package.json");
  const threads = device === "wasm" ? ` (${availableParallelism()} threads)` : "";
  return `${JSON.parse(require("node:fs").readFileSync(path, "utf8")).version} ${device}${threads}`;
}

export async function init() {
  if (device === "wasm") installWebWorker(availableParallelism());
  jax = await import("@jax-js/jax");
  const devices = await jax.init(device);
  if (!devices.includes(device)) throw new Error(`jax-js: no ${device} device`);
  jax.defaultDevice(device);
}

export async function setupTrain(workload, weights, batch) {
  const { numpy: np, nn, tree, jit, valueAndGrad } = jax;
  const { optimizer } = workload;
  const model = jaxModels[workload.kind];
  const keys = workload.params.map((p) => p.name);
  const shapes = new Map(workload.params.map((p) => [p.name, p.shape]));
  let params = Object.fromEntries(
    keys.map((k) => [k, np.array(weights.get(k)).reshape(shapes.get(k))]),
  );
  const zeros = () => Object.fromEntries(keys.map((k) => [k, np.zeros(shapes.get(k))]));
  let m = zeros();
  let v = zeros();
  const { xs, ys } = model.inputs(np, nn, workload, batch);
  const lossFn = model.loss(jax, workload);
  const a = optimizer.args;
  const sgdStep = jit((p, x, y, lr) => {
    const [loss, g] = valueAndGrad(lossFn)(tree.ref(p), x, y);
    const out = {};
    for (const k of keys) out[k] = p[k].sub(g[k].mul(lr.ref));
    lr.dispose();
    return [loss, out];
  });
  const adamStep = jit((p, m, v, x, y, lr, bc1, bc2) => {
    const [loss, g] = valueAndGrad(lossFn)(tree.ref(p), x, y);
    const P = {};
    const M = {};
    const V = {};
    for (const k of keys) {
      const gk = g[k];
      M[k] = m[k].mul(a.beta1).add(gk.ref.mul(1 - a.beta1));
      V[k] = v[k].mul(a.beta2).add(gk.ref.mul(gk).mul(1 - a.beta2));
      const mhat = M[k].ref.div(bc1.ref);
      const denom = np.sqrt(V[k].ref.div(bc2.ref)).add(a.eps);
      P[k] = p[k].sub(lr.ref.mul(mhat).div(denom));
    }
    lr.dispose();
    bc1.dispose();
    bc2.dispose();
    return [loss, P, M, V];
  });

  const probe = workload.probe;
  let loss;
  return {
    step(t) {
      loss?.dispose();
      const s = {
        lr: a.lr,
        bc1: 1 - Math.pow(a.beta1 ?? 0.9, t),
        bc2: 1 - Math.pow(a.beta2 ?? 0.999, t),
      };
      if (optimizer.name === "sgd") {
        [loss, params] = sgdStep(params, xs.ref, ys.ref, np.array(s.lr));
      } else {
        const scalars = [np.array(s.lr), np.array(s.bc1), np.array(s.bc2)];
        [loss, params, m, v] = adamStep(params, m, v, xs.ref, ys.ref, ...scalars);
      }
    },
    async read() {
      // Waiting for every array of the state makes sure the last update ran too (lazy arrays).
      await jax.blockUntilReady([params, m, v]);
      const [l, b] = await Promise.all([loss.ref.data(), params[probe].ref.data()]);
      return { loss: l[0], probe: Array.from(b) };
    },
    stats() {
      return {};
    },
  };
}

export async function setupMatmul(n, a, b) {
  const { numpy: np } = jax;
  const ja = np.array(a).reshape([n, n]);
  const jb = np.array(b).reshape([n, n]);
  let results = [];
  return {
    run() {
      results.push(np.matmul(ja.ref, jb.ref));
    },
    async read() {
      // Lazy arrays: wait for every product, not just the one that is read.
      await jax.blockUntilReady(results);
      const v = (await results.at(-1).ref.data())[0];
      for (const r of results) r.dispose();
      results = [];
      return v;
    },
    stats() {
      return {};
    },
  };
}
