/**
 * Model state on the GPU against the CPU backend (the reference interpreter): a CNN with
 * BatchNorm2d and BatchNorm1d trained four steps, every running statistic, parameter and output
 * compared after each step, then evaluation (which reads the running statistics). And state is
 * the optimizer's business nowhere: with AdamW's decoupled weight decay a state that no `update`
 * names keeps its value to the bit, one that counts steps counts them exactly, and no gradient is
 * kept for either.
 */
import { expect, it } from "vitest";
import { compilePlan, type CompiledPlan } from "../../src/codegen/compile.js";
import { stepScalars, uniformValues } from "../../src/codegen/optimizer.js";
import { modelTensors } from "../../src/codegen/plan.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { CpuRunner, PlanRunner, type HostArray, type StepRunner } from "../../src/runtime/index.js";
import { initialiseParams } from "../../src/runtime/host-data.js";
import { relError } from "../codegen/helpers.js";
import { check } from "../parser/helpers.js";
import { describeGpu } from "./gpu.js";
import { cnn, counter, edges } from "./state-models.js";

function compile(
  text: string,
  batch: number,
): { compiled: CompiledPlan; train: ReturnType<typeof section> } {
  const train = section(text);
  const c = compilePlan(train, { batch });
  expect(c.diagnostics).toEqual([]);
  return { compiled: c.value!, train };
}

function section(text: string) {
  const r = check(text);
  expect(r.diagnostics).toEqual([]);
  return r.program.trains[0]!;
}

/** Writes the same random inputs, and the seed's parameters and state, into each runner. */
function start(compiled: CompiledPlan, runners: readonly StepRunner[]): void {
  const values = randomBindings(compiled.compiled.training, seededRandom(11));
  for (const runner of runners) {
    initialiseParams(runner, compiled.plan, 5);
    for (const t of compiled.plan.inputs) {
      const data = values[t.name]!.data;
      runner.writeInput(
        t.name,
        t.dtype === "i32" ? Int32Array.from(data) : Float32Array.from(data),
      );
    }
  }
}

async function persistent(runner: StepRunner): Promise<Map<string, HostArray>> {
  const out = new Map<string, HostArray>();
  for (const t of modelTensors(runner.plan)) out.set(t.name, await runner.readParam(t.name));
  return out;
}

async function step(
  compiled: CompiledPlan,
  runner: StepRunner,
  k: number,
  optimizer: Parameters<typeof stepScalars>[0],
) {
  const scalars = stepScalars(optimizer, k, optimizer.args.lr as number, 0);
  runner.writeUniforms(uniformValues(compiled.plan.uniforms!.fields, scalars));
  runner.run("train");
}

describeGpu("model state on the GPU", (gpu) => {
  it("BatchNorm2d and BatchNorm1d: GPU equals the interpreter over four steps, then in eval", async () => {
    const { compiled, train } = compile(cnn, 3);
    const { plan } = compiled;
    expect(plan.modelState!.map((s) => s.name)).toEqual([
      "bn2.running_mean",
      "bn2.running_var",
      "bn1.running_mean",
      "bn1.running_var",
    ]);
    const gpuRunner = await PlanRunner.create(gpu.device, plan);
    const cpuRunner = CpuRunner.create(compiled, train.optimizer);
    const runners = [gpuRunner, cpuRunner];
    try {
      start(compiled, runners);
      const before = await persistent(cpuRunner);
      for (let k = 1; k <= 4; k++) {
        for (const r of runners) await step(compiled, r, k, train.optimizer);
        const [g, c] = [await persistent(gpuRunner), await persistent(cpuRunner)];
        // Parameters as in parity.test.ts (conv.b's gradient is rounding noise: batch norm
        // cancels it); the running statistics tighter.
        for (const [name, want] of c) {
          const tol = name.includes("running") ? 1e-4 : 2e-3;
          expect(relError(g.get(name)!, want, 1e-3), `${name} after step ${k}`).toBeLessThan(tol);
        }
        const [gl, cl] = [await gpuRunner.readOutput("loss"), await cpuRunner.readOutput("loss")];
        expect(Math.abs(gl[0]! - cl[0]!), `loss at step ${k}`).toBeLessThan(
          1e-4 * Math.abs(cl[0]!),
        );
      }
      const after = await persistent(cpuRunner);
      for (const s of plan.modelState!)
        expect(Array.from(after.get(s.name)!), `${s.name} moved`).not.toEqual(
          Array.from(before.get(s.name)!),
        );
      const evals: HostArray[] = [];
      for (const r of runners) {
        await r.prepare("eval");
        r.run("eval");
        evals.push(await r.readOutput("logits"));
      }
      expect(relError(evals[0]!, evals[1]!, 1e-3)).toBeLessThan(1e-4);
      // Evaluation changed no state.
      const still = await persistent(gpuRunner);
      for (const s of plan.modelState!)
        expect(relError(still.get(s.name)!, after.get(s.name)!, 1e-3)).toBeLessThan(1e-4);
    } finally {
      gpuRunner.destroy();
      cpuRunner.destroy();
    }
  }, 300_000);

  it("AdamW with weight decay never touches state; an update that counts steps counts them", async () => {
    const { compiled, train } = compile(counter, 4);
    const { plan } = compiled;
    expect((plan.grads ?? []).map((g) => g.name)).toEqual(["g.w", "out.w", "out.b"]);
    expect(plan.state.some((m) => m.param.includes("fixed") || m.param.includes("steps"))).toBe(
      false,
    );
    const gpuRunner = await PlanRunner.create(gpu.device, plan);
    const cpuRunner = CpuRunner.create(compiled, train.optimizer);
    try {
      start(compiled, [gpuRunner, cpuRunner]);
      for (const runner of [gpuRunner, cpuRunner] as StepRunner[]) {
        for (let k = 1; k <= 3; k++) await step(compiled, runner, k, train.optimizer);
        const v = await persistent(runner);
        expect(Array.from(v.get("g.fixed")!)).toEqual([2, 2]);
        expect(Array.from(v.get("g.steps")!)).toEqual([3]);
        // The parameter next to them did train (and decay).
        expect(Array.from(v.get("g.w")!)).not.toEqual([1, 1]);
      }
    } finally {
      gpuRunner.destroy();
      cpuRunner.destroy();
    }
  }, 120_000);

  it("updates that swap two states, keep one and reset one: each step sees the old values", async () => {
    const { compiled, train } = compile(edges, 4);
    const gpuRunner = await PlanRunner.create(gpu.device, compiled.plan);
    const cpuRunner = CpuRunner.create(compiled, train.optimizer);
    try {
      start(compiled, [gpuRunner, cpuRunner]);
      for (const runner of [gpuRunner, cpuRunner] as StepRunner[])
        for (let k = 1; k <= 3; k++) {
          await step(compiled, runner, k, train.optimizer);
          const v = await persistent(runner);
          // a and b swap every step: after an odd number of steps a holds 2 and b holds 1
          const [a, b] = k % 2 === 1 ? [2, 1] : [1, 2];
          expect(Array.from(v.get("o.a")!), `step ${k}`).toEqual([a, a]);
          expect(Array.from(v.get("o.b")!), `step ${k}`).toEqual([b, b]);
          expect(Array.from(v.get("o.same")!)).toEqual([3, 3]);
          expect(Array.from(v.get("o.zero")!)).toEqual([0, 0]);
        }
    } finally {
      gpuRunner.destroy();
      cpuRunner.destroy();
    }
  }, 120_000);
});
