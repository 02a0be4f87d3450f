/** @file Grove in the benchmarks: the .grove model compiled to a Plan, run by a `PlanRunner`. */
import { readFileSync } from "node:fs";
import { compilePlan } from "../../dist/codegen/compile.js";
import { emitPlan } from "../../dist/codegen/emit.js";
import { renderDiagnostics } from "../../dist/diag/render.js";
import { GraphBuilder } from "../../dist/ir/builder.js";
import { checkFile } from "../../dist/parser/program.js";
import { acquireDevice, PlanRunner } from "../../dist/runtime/index.js";
import { compilesAtFirstDispatch } from "../../dist/runtime/warm.js";
import { paramSpecs, stepScalars } from "./workloads.mjs";

export const name = "Grove";

export function version() {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  const fused = process.env.GROVE_BENCH_FUSE === "0" ? "unfused" : "fused";
  return `${pkg.version} (${fused}${grove && subgroups() ? ", subgroups" : ""})`;
}

let grove;

/** The subgroup template for products when the device has the feature (GROVE_BENCH_SUBGROUPS=0: off). */
function subgroups() {
  return process.env.GROVE_BENCH_SUBGROUPS !== "0" && grove.features.has("subgroups");
}

/**
 * A quick-to-compile variant of the step to start with, on a driver that compiles at first
 * dispatch (lavapipe), as `grove train` does (GROVE_BENCH_QUICK=0: off).
 */
function quick() {
  return process.env.GROVE_BENCH_QUICK !== "0" && compilesAtFirstDispatch(grove.device.adapterInfo);
}

export async function init(gpu) {
  grove = await acquireDevice({ gpu });
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
    {
      batch: workload.batch,
      fuse: process.env.GROVE_BENCH_FUSE !== "0",
      subgroups: subgroups(),
      quick: quick(),
    },
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

  const runner = await PlanRunner.create(grove.device, plan, { programs: ["train"] });
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
    /** The step's own kernels are compiled and in use (not the quick variant's). */
    ready: () => runner.ready(),
    async read() {
      const [loss, bias] = await Promise.all([runner.readOutput("loss"), runner.readParam(probe)]);
      return { loss: loss[0], probe: Array.from(bias) };
    },
    stats() {
      return {
        planDispatches: plan.programs.train.dispatches.length,
        planKernels: plan.kernels.length,
        planPeakBytes: plan.peakBytes,
      };
    },
  };
}

export async function setupMatmul(n, a, b) {
  const g = new GraphBuilder();
  const graph = g.build({ y: g.matmul(g.input("a", [n, n]), g.input("b", [n, n])) });
  // A forward-only plan, as the codegen tests build one (`forwardPlan`).
  const plan = emitPlan(
    {
      training: graph,
      evaluation: graph,
      params: [],
      optimizer: { name: "sgd", args: { lr: 0.1 } },
    },
    { fuse: true, subgroups: subgroups() },
  );
  const runner = await PlanRunner.create(grove.device, plan, { programs: ["eval"] });
  runner.writeInput("a", a);
  runner.writeInput("b", b);
  return {
    run() {
      runner.run("eval");
    },
    async read() {
      return (await runner.readOutput("y"))[0];
    },
    stats() {
      return { kernels: plan.kernels.map((k) => k.name), planPeakBytes: plan.peakBytes };
    },
  };
}
