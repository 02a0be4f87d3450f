/**
 * @file Grove with `--backend onnx` in the benchmarks: the .grove model compiled to a Plan (without
 * binding limits, as `grove train --backend onnx` compiles it) and run by an `OnnxRunner`: the whole
 * step as one ONNX graph on ONNX Runtime's CPU provider with a thread per core.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { unboundedLimits } from "../../dist/codegen/memory.js";
import { loadOnnxRuntime, OnnxRunner } from "../../dist/export/onnx-runner.js";
import { compileWorkload, writeStart, writeStepScalars } from "./grove-plan.mjs";

export const name = "Grove";

let ort;

export function version() {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  const runtime = require("onnxruntime-node/package.json").version;
  return `${pkg.version} onnx (ONNX Runtime ${runtime}, ${availableParallelism()} threads)`;
}

export async function init() {
  ort = await loadOnnxRuntime();
}

export async function setupTrain(workload, weights, batch) {
  const { compiled, plan, optimizer } = compileWorkload(workload, { limits: unboundedLimits });
  const runner = await OnnxRunner.create(ort, compiled, optimizer);
  await runner.prepare("train");
  writeStart(runner, plan, weights, batch);
  return {
    step(t) {
      writeStepScalars(runner, plan, optimizer, t);
      runner.run("train");
    },
    async read() {
      const [loss, bias] = await Promise.all([
        runner.readOutput("loss"),
        runner.readParam(workload.probe),
      ]);
      return { loss: loss[0], probe: Array.from(bias) };
    },
    stats() {
      return {};
    },
  };
}
