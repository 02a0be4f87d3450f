/**
 * Model state on `--backend onnx` (`OnnxRunner`, the whole step as one ONNX Runtime graph) against
 * the CPU backend: the BatchNorm CNN's running statistics after each of four steps and its
 * evaluation; updates that swap two states, keep one and reset one, exactly.
 */
import * as ort from "onnxruntime-node";
import { expect, it } from "vitest";
import { compilePlan, type CompiledPlan } from "../../src/codegen/compile.js";
import { stepScalars, uniformValues } from "../../src/codegen/optimizer.js";
import { modelTensors } from "../../src/codegen/plan.js";
import { OnnxRunner } from "../../src/export/onnx-runner.js";
import { randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { CpuRunner, type HostArray, type StepRunner } from "../../src/runtime/index.js";
import { initialiseParams } from "../../src/runtime/host-data.js";
import { relError } from "../codegen/helpers.js";
import { check } from "../parser/helpers.js";
import { cnn, edges } from "../runtime/state-models.js";

function compile(text: string, batch: number) {
  const r = check(text);
  expect(r.diagnostics).toEqual([]);
  const train = r.program.trains[0]!;
  const c = compilePlan(train, { batch });
  expect(c.diagnostics).toEqual([]);
  return { compiled: c.value!, train };
}

async function runners(compiled: CompiledPlan, optimizer: Parameters<typeof CpuRunner.create>[1]) {
  const onnx = await OnnxRunner.create(ort, compiled, optimizer);
  const cpu = CpuRunner.create(compiled, optimizer);
  const values = randomBindings(compiled.compiled.training, seededRandom(11));
  for (const runner of [onnx, cpu] as StepRunner[]) {
    initialiseParams(runner, compiled.plan, 5);
    for (const t of compiled.plan.inputs) {
      const data = values[t.name]!.data;
      runner.writeInput(
        t.name,
        t.dtype === "i32" ? Int32Array.from(data) : Float32Array.from(data),
      );
    }
  }
  return [onnx, cpu] as const;
}

async function persistent(runner: StepRunner): Promise<Map<string, HostArray>> {
  const out = new Map<string, HostArray>();
  for (const t of modelTensors(runner.plan)) out.set(t.name, await runner.readParam(t.name));
  return out;
}

function step(
  plan: CompiledPlan["plan"],
  runner: StepRunner,
  k: number,
  optimizer: Parameters<typeof stepScalars>[0],
) {
  const scalars = stepScalars(optimizer, k, optimizer.args.lr as number, 0);
  runner.writeUniforms(uniformValues(plan.uniforms!.fields, scalars));
  runner.run("train");
}

it("BatchNorm's running statistics on ONNX Runtime equal the interpreter's, then eval", async () => {
  const { compiled, train } = compile(cnn, 3);
  const [onnx, cpu] = await runners(compiled, train.optimizer);
  try {
    for (let k = 1; k <= 4; k++) {
      for (const r of [onnx, cpu]) step(compiled.plan, r, k, train.optimizer);
      const [o, c] = [await persistent(onnx), await persistent(cpu)];
      for (const [name, want] of c) {
        const tol = name.includes("running") ? 1e-4 : 2e-3;
        expect(relError(o.get(name)!, want, 1e-3), `${name} after step ${k}`).toBeLessThan(tol);
      }
    }
    const logits: HostArray[] = [];
    for (const r of [onnx, cpu]) {
      await r.prepare("eval");
      r.run("eval");
      logits.push(await r.readOutput("logits"));
    }
    expect(relError(logits[0]!, logits[1]!, 1e-3)).toBeLessThan(1e-4);
  } finally {
    onnx.destroy();
    cpu.destroy();
  }
}, 120_000);

it("updates that swap, keep and reset states give the same values on ONNX Runtime", async () => {
  const { compiled, train } = compile(edges, 4);
  const [onnx, cpu] = await runners(compiled, train.optimizer);
  try {
    for (let k = 1; k <= 3; k++) {
      for (const r of [onnx, cpu]) step(compiled.plan, r, k, train.optimizer);
      const v = await persistent(onnx);
      const [a, b] = k % 2 === 1 ? [2, 1] : [1, 2];
      expect(Array.from(v.get("o.a")!), `step ${k}`).toEqual([a, a]);
      expect(Array.from(v.get("o.b")!), `step ${k}`).toEqual([b, b]);
      expect(Array.from(v.get("o.same")!)).toEqual([3, 3]);
      expect(Array.from(v.get("o.zero")!)).toEqual([0, 0]);
      const c = await persistent(cpu);
      // The states are copies, so exact; the parameters differ in float32 rounding only.
      for (const s of compiled.plan.modelState!)
        expect(Array.from(v.get(s.name)!), s.name).toEqual(Array.from(c.get(s.name)!));
    }
  } finally {
    onnx.destroy();
    cpu.destroy();
  }
}, 120_000);
