/**
 * Plans split to respect small binding limits, run on a real WebGPU device (Dawn over lavapipe in
 * CI, where a missing adapter fails the file): several training steps of each split plan match
 * the same steps of the unsplit plan (itself checked against the interpreter in gpu.test.ts) in
 * loss, gradient norm, gradients, parameters and optimizer moments.
 */
import { expect, it } from "vitest";
import type { CompiledPlan } from "../../src/codegen/compile.js";
import { gradNormKernels } from "../../src/codegen/optimizer.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { PlanRunner } from "../../src/runtime/index.js";
import { describeGpu } from "../runtime/gpu.js";
import { PlanBuilder } from "../runtime/plans.js";
import { examplePlan, relError } from "./helpers.js";
import { train } from "./train-steps.js";
import { splitCases } from "./split-cases.js";

describeGpu("split plans on the GPU", (gpu) => {
  const compare = async (split: CompiledPlan, whole: CompiledPlan, steps: number) => {
    const values = randomBindings(whole.compiled.training, seededRandom(17));
    const got = await train(gpu.device, split, values, steps);
    const want = await train(gpu.device, whole, values, steps);
    want.forEach((step, i) => {
      expect([...got[i]!.keys()].sort()).toEqual([...step.keys()].sort());
      for (const [name, w] of step)
        expect(relError(got[i]!.get(name)!, w), `${name} at step ${i + 1}`).toBeLessThan(1e-5);
    });
  };

  for (const [file, batch, limits, steps = 3] of splitCases)
    it(`${file}: ${steps} step${steps === 1 ? "" : "s"} split for ${limits.maxStorageBufferBindingSize}-byte bindings and ${limits.maxStorageBuffersPerShaderStage} buffers match the unsplit plan`, async () => {
      const split = examplePlan(file, batch, true, undefined, false, limits);
      expect(
        split.plan.buffers.some((b) => /_\d+$/.test(b.name)) ||
          limits.maxStorageBuffersPerShaderStage < 8,
      ).toBe(true);
      await compare(split, examplePlan(file, batch), steps);
    }, 120_000);

  it("sums the gradient norm over chunks in several kernels when they cannot all be bound", async () => {
    const b = new PlanBuilder();
    const counts = [300, 1000, 7];
    const data = counts.map((n, k) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + k)));
    const chunks = counts.map((count, k) => ({
      arena: k === 0 ? "grads" : `grads_${k}`,
      count,
      buffer: b.input(k === 0 ? "grads" : `grads_${k}`, [count]),
    }));
    const out = b.output("outputs", [4]);
    const kernels = gradNormKernels(chunks, { arena: "outputs", offset: 2 }, 3);
    expect(kernels).toHaveLength(2);
    for (const k of kernels) {
      const id = b.kernel(
        k.name,
        k.wgsl,
        k.arenas.map((a) => a.access),
      );
      const ids = k.arenas.map((a) =>
        a.arena === "outputs" ? out : chunks.find((c) => c.arena === a.arena)!.buffer,
      );
      b.dispatch("eval", id, ids, 1);
    }
    const runner = await PlanRunner.create(gpu.device, b.build());
    try {
      chunks.forEach((c, k) => runner.writeInput(c.arena, data[k]!));
      runner.run("eval");
      const want = Math.sqrt(data.reduce((s, d) => s + d.reduce((t, x) => t + x * x, 0), 0));
      expect((await runner.readOutput("outputs"))[2]).toBeCloseTo(want, 4);
    } finally {
      runner.destroy();
    }
  });
});
