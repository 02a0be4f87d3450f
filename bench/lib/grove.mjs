/** @file Grove in the benchmarks: the .grove model compiled to a Plan, run by a `PlanRunner`. */
import { readFileSync } from "node:fs";
import { emitPlan } from "../../dist/codegen/emit.js";
import { GraphBuilder } from "../../dist/ir/builder.js";
import { acquireDevice, PlanRunner } from "../../dist/runtime/index.js";
import { compilesAtFirstDispatch } from "../../dist/runtime/warm.js";
import { compileWorkload, writeStart, writeStepScalars } from "./grove-plan.mjs";

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

export async function setupTrain(workload, weights, batch) {
  const { plan, optimizer } = compileWorkload(workload, {
    fuse: process.env.GROVE_BENCH_FUSE !== "0",
    subgroups: subgroups(),
    quick: quick(),
  });
  const runner = await PlanRunner.create(grove.device, plan, { programs: ["train"] });
  writeStart(runner, plan, weights, batch);
  return {
    step(t) {
      writeStepScalars(runner, plan, optimizer, t);
      runner.run("train");
    },
    /** The step's own kernels are compiled and in use (not the quick variant's). */
    ready: () => runner.ready(),
    async read() {
      const [loss, bias] = await Promise.all([
        runner.readOutput("loss"),
        runner.readParam(workload.probe),
      ]);
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
