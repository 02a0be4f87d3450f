/**
 * @file Grove with `--backend onnx` in the benchmarks: the .grove model compiled to a Plan (without
 * binding limits, as `grove train --backend onnx` compiles it) and run by an `OnnxRunner`: the whole
 * step as one ONNX graph on ONNX Runtime's CPU provider with a thread per core.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { compilePlan } from "../../dist/codegen/compile.js";
import { unboundedLimits } from "../../dist/codegen/memory.js";
import { renderDiagnostics } from "../../dist/diag/render.js";
import { loadOnnxRuntime, OnnxRunner } from "../../dist/export/onnx-runner.js";
import { checkFile } from "../../dist/parser/program.js";
import { paramSpecs, stepScalars } from "./workloads.mjs";

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

export async function setupTrain(workload, weights, { x, labels }) {
  const checked = checkFile(workload.model);
  if (checked.diagnostics.length > 0)
    throw new Error(renderDiagnostics(checked.diagnostics, checked.sources, "short"));
  const train = checked.program.trains[0];
  // Override the optimizer of the train section: every workload runs SGD and Adam.
  const optimizer = { ...workload.optimizer, span: train.optimizer.span };
  const compiled = compilePlan(
    { ...train, optimizer },
    { batch: workload.batch, limits: unboundedLimits },
  );
  if (!compiled.value)
    throw new Error(renderDiagnostics(compiled.diagnostics, checked.sources, "short"));
  const plan = compiled.value.plan;
  const specs = paramSpecs(workload.dims);
  const got = plan.params.map((p) => `${p.name}:${p.shape.join("x")}`).join(" ");
  const want = specs.map((p) => `${p.name}:${p.shape.join("x")}`).join(" ");
  if (got !== want) throw new Error(`${workload.model}: params ${got}, expected ${want}`);
  const features = plan.inputs.find((t) => t.dtype === "f32");
  const label = plan.inputs.find((t) => t.dtype === "i32");

  const runner = await OnnxRunner.create(ort, compiled.value, optimizer);
  await runner.prepare("train");
  for (const p of plan.params) runner.writeParam(p.name, weights.get(p.name));
  for (const s of plan.state)
    runner.writeParam(s.name, new Float32Array(s.shape.reduce((a, d) => a * d, 1)));
  runner.writeInput(features.name, x);
  runner.writeInput(label.name, labels);
  const fields = plan.uniforms?.fields ?? [];
  const probe = specs.at(-1).name;
  return {
    step(t) {
      if (fields.length > 0) {
        const all = stepScalars(workload.optimizer, t);
        runner.writeUniforms(Object.fromEntries(fields.map((f) => [f, all[f]])));
      }
      runner.run("train");
    },
    async read() {
      const [loss, bias] = await Promise.all([runner.readOutput("loss"), runner.readParam(probe)]);
      return { loss: loss[0], probe: Array.from(bias) };
    },
    stats() {
      return {};
    },
  };
}
