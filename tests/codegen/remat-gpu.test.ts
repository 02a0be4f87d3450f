/**
 * Every rematerialisation policy on a real WebGPU device (Dawn over lavapipe in CI): each
 * example's training step, fused (and unfused but for the slowest to compile), gives the
 * reference interpreter's loss and gradients (the interpreter runs the joint graph before
 * partitioning, in float64).
 */
import { readdirSync } from "node:fs";
import { expect, it } from "vitest";
import { compilePlan } from "../../src/codegen/compile.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { interpret } from "../../src/ir/interpret.js";
import type { RematPolicy } from "../../src/ir/remat.js";
import { optimizerSpec } from "../../src/ops/optimizers.js";
import { checkFile } from "../../src/parser/program.js";
import { PlanRunner } from "../../src/runtime/index.js";
import { describeGpu } from "../runtime/gpu.js";
import { relError, writeInputs } from "./helpers.js";

const examples = readdirSync("examples").filter((f) => f.endsWith(".grove"));
const policies: RematPolicy[] = ["recompute-cheap", "min-cut"];
const slowUnfused = new Set([
  "char-gpt-tied.grove",
  "char-gru.grove",
  "char-transformer.grove",
  "mlp-mixer.grove",
]);

describeGpu("rematerialisation on the GPU", (gpu) => {
  for (const file of examples)
    for (const policy of policies)
      for (const fuse of [true, false]) {
        // Unfused, the sequence models and the mixer are hundreds of pipelines each: lavapipe took
        // 1.5 to 3 minutes per plan to compile them on a loaded machine (the fused ones 15 to 75 s),
        // so their unfused steps are left to the nine other examples (tests/codegen/gpu.test.ts
        // leaves the unfused transformer out too).
        if (!fuse && slowUnfused.has(file)) continue;
        const name = `examples/${file} (${policy}, ${fuse ? "fused" : "unfused"}): loss and gradients`;
        it(
          name,
          async () => {
            const r = checkFile(`examples/${file}`);
            expect(r.diagnostics).toEqual([]);
            const train = r.program.trains[0]!;
            const sgd = {
              ...train,
              optimizer: { ...optimizerSpec("sgd", { lr: 0.01 }), span: train.span },
            };
            const c = compilePlan(sgd, { batch: 2, fuse, remat: policy });
            expect(c.diagnostics).toEqual([]);
            const { plan, compiled, remat } = c.value!;
            expect(plan.remat).toBe(policy);
            const g = compiled.training;
            const values = randomBindings(g, seededRandom(5));
            const ref = interpret(g, values, { precision: "f64" });
            const runner = await PlanRunner.create(gpu.device, plan);
            try {
              for (const p of plan.params)
                runner.writeParam(p.name, Float32Array.from(values[p.name]!.data));
              for (const s of plan.state)
                runner.writeParam(s.name, new Float32Array(s.shape.reduce((x, d) => x * d, 1)));
              writeInputs(runner, plan, values);
              const uniforms: Record<string, number> = { lr: 0.01, bc1: 1, bc2: 1, step: 1 };
              if (plan.uniforms!.fields.includes("clip")) uniforms.clip = 0;
              runner.writeUniforms(uniforms);
              runner.run("train");
              const loss = await runner.readOutput("loss");
              expect(relError(loss, ref.get(g.outputs.get("loss")!)!.data), "loss").toBeLessThan(
                1e-4,
              );
              let scale = 0;
              for (const p of compiled.params)
                for (const x of ref.get(g.outputs.get(`d_${p}`)!)!.data)
                  scale = Math.max(scale, Math.abs(x));
              for (const p of compiled.params) {
                const want = ref.get(g.outputs.get(`d_${p}`)!)!.data;
                expect(relError(await runner.readGrad(p), want, scale), `d_${p}`).toBeLessThan(
                  1e-4,
                );
              }
            } finally {
              runner.destroy();
            }
            // The policy did recompute something wherever the backward reads a cheap value.
            if (remat!.report.recomputed.length > 0)
              expect(remat!.graph.nodes.some((n) => n.remat)).toBe(true);
          },
          300_000,
        );
      }
});
