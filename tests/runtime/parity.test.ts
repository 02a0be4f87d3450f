/**
 * Every value the host can read agrees between the GPU plan and the CPU backend, per step: for
 * each example and for models built so that several host-visible names are one IR node (a metric
 * that is also a model output, a metric repeated with `+ 0`, two parameters with one gradient, an
 * output that is an input). Such names once shared one stored slot on the GPU and read 0 or a
 * stale value; `tests/cli/parity.test.ts` checks the same through `grove train` and `grove eval`.
 */
import { expect, it } from "vitest";
import { compilePlan, type CompiledPlan } from "../../src/codegen/compile.js";
import { stepScalars, uniformValues } from "../../src/codegen/optimizer.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { checkFile } from "../../src/parser/program.js";
import { CpuRunner, PlanRunner, type HostArray, type StepRunner } from "../../src/runtime/index.js";
import { relError } from "../codegen/helpers.js";
import { aliasFixtures, describeGpu } from "./gpu.js";

const cases: [file: string, batch: number, fuse: boolean][] = [
  ["examples/mnist-mlp.grove", 4, true],
  ["examples/mnist-cnn.grove", 2, true],
  ["examples/autoencoder.grove", 3, true],
  ["examples/regression.grove", 5, true],
  ["examples/char-transformer.grove", 1, true],
  ["examples/residual-mlp.grove", 3, true],
  // At batch 3 one of encoder.body.w's 200,704 gradients is rounding noise (7e-10 on the CPU,
  // -5e-11 on the GPU, at a scale of 0.012), which Adam's eps of 1e-8 turns into steps 7e-4 apart.
  ["examples/vae.grove", 4, true],
  // Recurrence: a Gru and a reversed LSTMCell scan, unrolled over 4 steps.
  ["tests/fixtures/recurrent/gru-lstm.grove", 3, true],
  ...aliasFixtures.flatMap((f) =>
    [true, false].map((fuse): [string, number, boolean] => [f, 6, fuse]),
  ),
];

function compile(file: string, batch: number, fuse: boolean): CompiledPlan {
  const r = checkFile(file);
  expect(r.diagnostics).toEqual([]);
  const c = compilePlan(r.program.trains[0]!, { batch, fuse, sources: r.sources.texts() });
  expect(c.diagnostics).toEqual([]);
  return c.value!;
}

/** Every readable value of `runner` by name: program outputs, gradients, parameters, moments. */
async function readAll(runner: StepRunner, program: string): Promise<Map<string, HostArray>> {
  const plan = runner.plan;
  const out = new Map<string, HostArray>();
  const names = plan.programs[program]!.outputs;
  const values = await runner.readOutputs(names);
  names.forEach((n, i) => out.set(n, values[i]!));
  if (program === "train") {
    for (const g of plan.grads ?? []) out.set(`d_${g.name}`, await runner.readGrad(g.name));
    for (const t of [...plan.params, ...plan.state])
      out.set(t.name, await runner.readParam(t.name));
  }
  return out;
}

describeGpu("GPU plan and CPU backend read the same values", (gpu) => {
  for (const [file, batch, fuse] of cases)
    it(`${file} (${fuse ? "fused" : "unfused"}): every output, gradient and moment over 3 steps, then eval`, async () => {
      const compiled = compile(file, batch, fuse);
      const { plan } = compiled;
      const r = checkFile(file);
      const optimizer = r.program.trains[0]!.optimizer;
      const values = randomBindings(compiled.compiled.training, seededRandom(7));
      const gpuRunner = await PlanRunner.create(gpu.device, plan);
      const cpuRunner = CpuRunner.create(compiled, optimizer);
      try {
        for (const runner of [gpuRunner, cpuRunner] as StepRunner[]) {
          for (const p of plan.params)
            runner.writeParam(p.name, Float32Array.from(values[p.name]!.data));
          for (const t of plan.inputs) {
            const data = values[t.name]!.data;
            runner.writeInput(
              t.name,
              t.dtype === "i32" ? Int32Array.from(data) : Float32Array.from(data),
            );
          }
        }
        const check = (got: Map<string, HostArray>, want: Map<string, HostArray>, at: string) => {
          expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
          for (const [name, w] of want) {
            const g = got.get(name)!;
            expect(g.length, `${name} ${at}`).toBe(w.length);
            // Gradients and updates are compared at the scale of the tensor (a floor of 1e-3
            // keeps values that are zero on one side and rounding noise on the other apart).
            expect(relError(g, w, 1e-3), `${name} ${at}`).toBeLessThan(2e-3);
          }
        };
        for (let step = 1; step <= 3; step++) {
          const scalars = stepScalars(optimizer, step, 0.01, 0.5);
          const uniforms = uniformValues(plan.uniforms!.fields, scalars);
          const seen: Map<string, HostArray>[] = [];
          for (const runner of [gpuRunner, cpuRunner] as StepRunner[]) {
            runner.writeUniforms(uniforms);
            runner.run("train");
            seen.push(await readAll(runner, "train"));
          }
          check(seen[0]!, seen[1]!, `after train step ${step}`);
        }
        const evals: Map<string, HostArray>[] = [];
        for (const runner of [gpuRunner, cpuRunner] as StepRunner[]) {
          await runner.prepare("eval");
          runner.run("eval");
          evals.push(await readAll(runner, "eval"));
        }
        check(evals[0]!, evals[1]!, "in eval");
        // Every name the eval program lists reads its own value, also where names alias.
        const graph = compiled.evaluation;
        for (const name of plan.programs.eval!.outputs)
          expect(graph.outputs.has(name), `${name} is an evaluation output`).toBe(true);
      } finally {
        gpuRunner.destroy();
        cpuRunner.destroy();
      }
    }, 120_000);
});
