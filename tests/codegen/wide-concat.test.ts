/**
 * @file A concat of many parts, found by fuzzing (issue 12): its kernel chose the part with one
 * nested `select(select(select(...)))`, and from 128 parts on WGSL's parser refused the kernel
 * ("maximum parser recursive depth reached", an internal error when the plan was loaded). Each
 * select is now bound to a name. Checked as text (bracket depth) and on a device against the
 * interpreter. And fusion counted a concat as one op when deciding to inline it, so the 1,000
 * slices of a 1,000-part concat's gradient each recomputed all of it (8 s to compile); it now
 * costs its parts.
 */
import { describe, expect, it } from "vitest";
import { fuseKernels } from "../../src/codegen/fuse.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import { interpret } from "../../src/ir/interpret.js";
import { makeTensor } from "../../src/ir/tensor.js";
import { PlanRunner } from "../../src/runtime/index.js";
import { bracketDepth, wgslNestingLimit } from "../fuzz/run-case.js";
import { describeGpu } from "../runtime/gpu.js";
import { forwardPlan, relError, writeInputs } from "./helpers.js";

/** y = concat of `parts` slices x + i along axis 1: [3, parts]. */
function wideConcat(parts: number) {
  const b = new GraphBuilder();
  const x = b.input("x", [3, 1]);
  const ys = Array.from({ length: parts }, (_, i) => b.mul(b.add(x, b.constant(i)), x));
  return b.build({ y: b.concat(ys, 1) });
}

/** y = the sum of the `parts` slices of 2 · concat(parts): a concat's gradient has this form. */
function slicedConcat(parts: number) {
  const b = new GraphBuilder();
  const x = b.input("x", [3, 1]);
  const c = b.concat(
    Array.from({ length: parts }, () => x),
    1,
  );
  const twice = b.mul(c, b.constant(2));
  let y = b.slice(twice, 1, 0, 1);
  for (let i = 1; i < parts; i++) y = b.add(y, b.slice(twice, 1, i, i + 1));
  return { graph: b.build({ y }), concat: c };
}

describe("wide concat", () => {
  it("stores a wide concat that many kernels read instead of recomputing it in each", () => {
    // Inlined, every slice's kernel evaluated all 1,000 parts: a million values, seconds to emit.
    const { graph, concat } = slicedConcat(1000);
    const groups = fuseKernels(graph, [graph.outputs.get("y")!], { fuse: true });
    expect(groups.filter((g) => g.nodes.includes(concat))).toHaveLength(1);
    const computed = groups.reduce((s, g) => s + g.nodes.length, 0);
    expect(computed).toBeLessThan(2 * graph.nodes.length);
  });

  it("keeps every kernel's brackets shallow, whatever the number of parts", () => {
    for (const parts of [2, 127, 128, 1000]) {
      const plan = forwardPlan(wideConcat(parts));
      const depth = Math.max(...plan.kernels.map((k) => bracketDepth(k.wgsl)));
      expect(depth, `${parts} parts`).toBeLessThan(16);
      expect(depth).toBeLessThan(wgslNestingLimit);
    }
  });
});

describeGpu("wide concat on a device", (gpu) => {
  it("a concat of 300 parts compiles and matches the interpreter", async () => {
    const g = wideConcat(300);
    const plan = forwardPlan(g);
    const inputs = { x: makeTensor([3, 1], "f32", [0.5, -1.25, 2], "f32") };
    const want = interpret(g, inputs, { precision: "f32" }).get(g.outputs.get("y")!)!.data;
    const runner = await PlanRunner.create(gpu.device, plan);
    try {
      writeInputs(runner, plan, inputs);
      runner.writeUniforms({ lr: 0, bc1: 1, bc2: 1, step: 1 });
      runner.run("eval");
      expect(relError(await runner.readOutput("y"), want)).toBeLessThan(1e-6);
    } finally {
      runner.destroy();
    }
  });
});
