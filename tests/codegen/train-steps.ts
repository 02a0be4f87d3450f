/**
 * Training steps of a compiled plan on a device, for the GPU tests that compare two plans of the
 * same model: from the same parameters and inputs, every readable value after each step.
 */
import type { CompiledPlan } from "../../src/codegen/compile.js";
import type { randomBindings } from "../../src/ir/gradcheck.js";
import { PlanRunner, type HostArray } from "../../src/runtime/index.js";
import { writeInputs } from "./helpers.js";

/** Runs `steps` training steps of `compiled` from `values`; every readable value after each. */
export async function train(
  device: GPUDevice,
  { plan, compiled }: Pick<CompiledPlan, "plan" | "compiled">,
  values: ReturnType<typeof randomBindings>,
  steps: number,
  options: {
    /** Called right after the first step is submitted, before anything is awaited. */
    readonly onFirstRun?: (runner: PlanRunner) => void;
    readonly afterFirst?: (runner: PlanRunner) => Promise<void>;
  } = {},
): Promise<Map<string, HostArray>[]> {
  const runner = await PlanRunner.create(device, plan);
  try {
    for (const p of plan.params) runner.writeParam(p.name, Float32Array.from(values[p.name]!.data));
    for (const s of plan.state)
      runner.writeParam(s.name, new Float32Array(s.shape.reduce((x, d) => x * d, 1)));
    writeInputs(runner, plan, values);
    const seen: Map<string, HostArray>[] = [];
    for (let step = 1; step <= steps; step++) {
      const uniforms: Record<string, number> = {
        lr: 0.01,
        bc1: 1 - 0.9 ** step,
        bc2: 1 - 0.999 ** step,
        step,
      };
      // Clipping on (a small limit), so every update depends on the norm over every chunk.
      if (plan.uniforms!.fields.includes("clip")) uniforms.clip = 0.5;
      runner.writeUniforms(uniforms);
      runner.run("train");
      if (step === 1) options.onFirstRun?.(runner);
      const now = new Map<string, HostArray>();
      for (const name of plan.programs.train!.outputs) now.set(name, await runner.readOutput(name));
      for (const p of compiled.params) now.set(`d_${p}`, await runner.readGrad(p));
      for (const t of [...plan.params, ...plan.state])
        now.set(t.name, await runner.readParam(t.name));
      seen.push(now);
      if (step === 1) await options.afterFirst?.(runner);
    }
    return seen;
  } finally {
    runner.destroy();
  }
}
