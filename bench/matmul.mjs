/**
 * @file GFLOP/s of a 1024×1024×1024 fp32 matmul: Grove's matmul kernel (a forward-only plan of
 * one `matmul` node, run by a `PlanRunner`), `tf.matMul` and jax-js `np.matmul`, each in a fresh
 * process on the same WebGPU device. `node bench/matmul.mjs [N]` (after `npm run build`).
 */
import { fileURLToPath } from "node:url";
import { fmt, ratio, seconds, table } from "./lib/report.mjs";
import { libraries, runWorker } from "./lib/spawn.mjs";

export async function measureMatmul(n = 1024, libs = libraries) {
  const results = [];
  for (const lib of libs) {
    process.stderr.write(`matmul ${n}: ${lib} ...\n`);
    results.push(await runWorker(["matmul", lib, String(n)]));
  }
  return results;
}

export function matmulReport(n, results) {
  const grove = results.find((r) => r.lib === "Grove");
  const rows = results.map((r) => [
    `${r.lib} ${r.version}`,
    fmt(r.gflops),
    r === grove ? "–" : ratio(grove?.gflops, r.gflops),
    fmt(r.dispatchesPerMatmul),
    seconds(r.coldMs),
    `${fmt(r.y00, 6)} (float64: ${fmt(r.y00Want, 6)})`,
  ]);
  const kernels = grove?.kernels ? `\n\nGrove's plan: ${grove.kernels.join(", ")}.` : "";
  return (
    `### Matmul ${n}×${n}×${n} fp32\n\n` +
    table(
      ["library", "GFLOP/s (median of 3)", "Grove / peer", "dispatches", "cold", "y[0][0]"],
      rows,
    ) +
    kernels
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2] ?? 1024);
  console.log(matmulReport(n, await measureMatmul(n)));
}
