/**
 * @file One benchmark in one fresh process: `node bench/worker.mjs train LIB WORKLOAD` or
 * `node bench/worker.mjs matmul LIB N`. LIB is grove, tfjs or jax (WebGPU), or grove-onnx,
 * tfjs-wasm or jax-wasm (the CPU: Grove's `--backend onnx` and the peers' wasm backends, in a
 * process with no WebGPU device). Prints one line `BENCH_RESULT {json}` on stdout. The parent
 * (run.mjs, matmul.mjs) points MESA_SHADER_CACHE_DIR at a new empty folder, so the first step is a
 * cold start.
 */
import { performance } from "node:perf_hooks";
import { adapterInfo, counters, setupGpu } from "./lib/gpu.mjs";
import { checkSteps, initialWeights, workloads } from "./lib/workloads.mjs";

const libs = {
  grove: () => import("./lib/grove.mjs"),
  tfjs: () => import("./lib/tfjs.mjs"),
  jax: () => import("./lib/jax.mjs"),
  "grove-onnx": () => import("./lib/grove-onnx.mjs"),
  "tfjs-wasm": async () => {
    const lib = await import("./lib/tfjs.mjs");
    lib.useBackend("wasm");
    return lib;
  },
  "jax-wasm": async () => {
    const lib = await import("./lib/jax.mjs");
    lib.useDevice("wasm");
    return lib;
  },
};

/** The libraries that run on the CPU: no WebGPU device in their process. */
const onCpu = (lib) => lib === "grove-onnx" || lib.endsWith("-wasm");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function train(lib, workload) {
  const weights = initialWeights(workload);
  const batch = workload.data();

  // Cold start: build / compile, upload, the first step and its readback.
  const t0 = performance.now();
  const run = await lib.setupTrain(workload, weights, batch);
  let t = 1;
  run.step(t);
  const first = await run.read();
  const coldMs = performance.now() - t0;

  // Correctness: the loss of step `checkSteps` from the initial weights (computed before that
  // step's update), and the last bias after its update.
  while (t < checkSteps) run.step(++t);
  const checked = await run.read();

  // Time the library's final kernels: Grove may start with a quick-to-compile variant.
  await run.ready?.();
  const { warmup, steps, repeats } = workload.timing;
  for (let i = 0; i < warmup; i++) run.step(++t);
  await run.read();
  const rates = [];
  let dispatches = 0;
  let submits = 0;
  for (let r = 0; r < repeats; r++) {
    counters.reset();
    const start = performance.now();
    for (let i = 0; i < steps; i++) run.step(++t);
    await run.read(); // inside the timed region: the work must have finished
    const ms = performance.now() - start;
    rates.push((steps * 1000) / ms);
    dispatches += counters.dispatches;
    submits += counters.submits;
  }
  return {
    coldMs,
    firstLoss: first.loss,
    loss: checked.loss,
    probe: checked.probe,
    stepsPerSec: median(rates),
    rates,
    // Over the timed runs, which include one readback per `steps` steps.
    dispatchesPerStep: dispatches / (steps * repeats),
    submitsPerStep: submits / (steps * repeats),
    peakBufferBytes: counters.peakBytes,
    ...run.stats(),
  };
}

async function matmul(lib, n) {
  // Same operands for every library: uniform in [-1, 1) from a fixed LCG.
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const a = Float32Array.from({ length: n * n }, rand);
  const b = Float32Array.from({ length: n * n }, rand);
  let want = 0;
  for (let k = 0; k < n; k++) want += a[k] * b[k * n];

  const t0 = performance.now();
  const mm = await lib.setupMatmul(n, a, b);
  mm.run();
  const got = await mm.read();
  const coldMs = performance.now() - t0;
  const reps = n >= 1024 ? 5 : 20;
  const rates = [];
  let dispatches = 0;
  for (let r = 0; r < 3; r++) {
    counters.reset();
    const start = performance.now();
    for (let i = 0; i < reps; i++) mm.run();
    await mm.read();
    const ms = performance.now() - start;
    rates.push((2 * n ** 3 * reps) / (ms * 1e6));
    dispatches += counters.dispatches;
  }
  return {
    coldMs,
    gflops: median(rates),
    rates,
    dispatchesPerMatmul: dispatches / (3 * reps),
    // y[0][0] against a float64 host dot product.
    y00: got,
    y00Want: want,
    peakBufferBytes: counters.peakBytes,
    ...mm.stats(),
  };
}

const [mode, libName, arg] = process.argv.slice(2);
try {
  if (!libs[libName]) throw new Error(`unknown library ${libName}; use ${Object.keys(libs)}`);
  const tStart = performance.now();
  const cpu = onCpu(libName);
  const gpu = cpu ? undefined : await setupGpu(); // before any library loads: navigator.gpu
  const lib = await libs[libName]();
  await lib.init(gpu);
  const initMs = performance.now() - tStart;
  let result;
  if (mode === "train") {
    const workload = workloads.find((w) => w.id === arg);
    if (!workload) throw new Error(`unknown workload ${arg}; use ${workloads.map((w) => w.id)}`);
    result = await train(lib, workload);
  } else if (mode === "matmul") {
    result = await matmul(lib, Number(arg ?? 1024));
  } else throw new Error(`unknown mode ${mode}; use train or matmul`);
  const adapter = cpu ? undefined : await adapterInfo();
  const kind = cpu ? "cpu" : "webgpu";
  const out = {
    lib: lib.name,
    kind,
    version: lib.version(),
    adapter,
    mode,
    arg,
    initMs,
    ...result,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(out)}\n`);
  process.exit(0);
} catch (e) {
  console.error(e?.stack ?? e);
  process.exit(1);
}
